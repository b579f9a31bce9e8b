namespace Herald.Storage.Ports;

/// <summary>
/// What changed, here or in another process on the same database: new work, endpoints, event types
/// and keys, so idle workers wake and caches drop what changed.
/// </summary>
public interface IChangeFeed
{
    /// <summary>True when other processes may share the database.</summary>
    bool IsShared { get; }

    event Action? WorkAvailable;

    event Action<string>? EndpointsChanged;

    event Action<string, string>? EventTypeChanged;

    event Action<string>? KeyRevoked;

    event Action? CachesStale;

    /// <summary>Listens until cancelled to the other processes; returns at once for a database owned by one process.</summary>
    Task ListenAsync(CancellationToken cancellationToken);
}

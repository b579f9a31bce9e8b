using System.Data.Common;
using Herald.Core;
using Herald.Storage.Ports;
using Herald.Storage.Relational;

namespace Herald.Storage;

/// <summary>
/// Herald's store, speaking delivery rather than rows: publish an event with its deliveries in one
/// transaction, claim due deliveries with a lease, complete or reschedule them. It implements the
/// ports in <see cref="Ports"/>, one per kind of consumer (event store, delivery queue, endpoint
/// store, tenancy, monitoring reads, change feed), so each consumer depends on the part it uses.
/// Reads use their own pooled connections; every write goes through one group-committing writer.
/// </summary>
public sealed partial class HeraldStore : IEventStore, IDeliveryQueue, IEndpointStore, ITenancyStore, IMonitoringReads, IChangeFeed, IAsyncDisposable
{
    private readonly Func<ValueTask<DbConnection>> _open;
    private readonly IDialect _dialect;
    private readonly TimeProvider _time;
    private readonly BatchWriter _writer;

    private readonly Func<Action<string>, CancellationToken, Task>? _listen;
    private readonly IAsyncDisposable? _owned;

    internal HeraldStore(Func<ValueTask<DbConnection>> open, IDialect dialect, TimeProvider time,
        Func<Action<string>, CancellationToken, Task>? listen = null, IAsyncDisposable? owned = null)
    {
        _open = open;
        _dialect = dialect;
        _time = time;
        _listen = listen;
        _owned = owned;
        _writer = new BatchWriter(open, dialect, dialect.WriterLanes);
    }

    public string Backend => _dialect.Name;

    /// <summary>True when other processes may share this database (PostgreSQL): the API and workers may run apart.</summary>
    public bool IsShared => !_dialect.OwnsDatabaseAlone;

    /// <summary>Raised when another process says deliveries may be due (a publish, a recovery).</summary>
    public event Action? WorkAvailable;

    /// <summary>Raised after an event type changed, here or in another process.</summary>
    public event Action<string, string>? EventTypeChanged;

    /// <summary>Raised after an API key was deleted, here or in another process.</summary>
    public event Action<string>? KeyRevoked;

    /// <summary>Raised when messages from other processes may have been missed (the listening connection dropped): every cache is suspect.</summary>
    public event Action? CachesStale;

    /// <summary>
    /// Listens, until cancelled, to what the other processes on the database say, and raises the
    /// matching events so caches drop what changed and idle workers wake. Returns at once for a
    /// database owned by one process.
    /// </summary>
    public Task ListenAsync(CancellationToken cancellationToken) =>
        _listen is null ? Task.CompletedTask : _listen(OnNotification, cancellationToken);

    private void OnNotification(string message)
    {
        PendingWorkChanged();
        var parts = StoreNotifications.Parse(message);
        switch (parts)
        {
            case [StoreNotifications.Work]:
                WorkAvailable?.Invoke();
                break;
            case ["endpoints", var org]:
                EndpointsChanged?.Invoke(org);
                WorkAvailable?.Invoke();
                break;
            case ["event_type", var org, var name]:
                EventTypeChanged?.Invoke(org, name);
                break;
            case ["key", var id]:
                KeyRevoked?.Invoke(id);
                break;
            case [StoreNotifications.Resynchronize]:
                CachesStale?.Invoke();
                WorkAvailable?.Invoke();
                break;
        }
    }

    /// <summary>Tells the other processes, when this transaction commits; nothing to do for a database owned by one process.</summary>
    private void Notify(DbConnection c, DbTransaction t, string message)
    {
        if (message != StoreNotifications.Work)
        {
            // Endpoints changed (enabled, circuit closed: parked work due again): the claims' list of
            // endpoints with pending work may be out of date. New work says so itself once committed.
            PendingWorkChanged();
        }
        _dialect.Notify(c, t, message);
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private long _roundTrips;

    /// <summary>Reads and write jobs sent to the database since start (an idle server must keep this near one a second).</summary>
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    internal async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, ValueTask<T>> job)
    {
        Interlocked.Increment(ref _roundTrips);
        try
        {
            return await _writer.WriteAsync(job);
        }
        catch (DbException e) when (_dialect.IsUniqueViolation(e))
        {
            // Names are checked before they are written; only another process writing the same name
            // between the check and the write gets here.
            throw new ConflictException("It already exists: another request created it at the same moment.");
        }
    }

    internal async Task<T> WriteAsync<T>(StatementWrite<T> write)
    {
        Interlocked.Increment(ref _roundTrips);
        try
        {
            return await _writer.WriteAsync(write);
        }
        catch (DbException e) when (_dialect.IsUniqueViolation(e))
        {
            throw new ConflictException("It already exists: another request created it at the same moment.");
        }
    }

    internal async Task<T> ReadAsync<T>(Func<DbConnection, ValueTask<T>> query)
    {
        Interlocked.Increment(ref _roundTrips);
        try
        {
            await using var connection = await _open();
            return await query(connection);
        }
        catch (Exception e) when (_dialect.IsTransient(e))
        {
            // A pooled connection that died with a restarted server: one more try on a fresh one.
            _dialect.ResetConnections();
            await using var connection = await _open();
            return await query(connection);
        }
    }

    /// <summary>Applies the schema steps not yet applied; safe to run at every start, and from several processes at once.</summary>
    internal async Task MigrateAsync()
    {
        await WriteAsync(async (c, t) =>
        {
            if (_dialect.MigrationLockSql is { } takeLock)
            {
                await c.ExecuteAsync(t, takeLock);
            }
            await c.ExecuteAsync(t, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            var applied = (await c.QueryAsync(t, "SELECT version FROM schema_migrations", r => r.GetInt32(0))).ToHashSet();
            foreach (var (version, name, sql) in Migrations.Steps)
            {
                if (applied.Contains(version))
                {
                    continue;
                }
                await c.ExecuteAsync(t, sql);
                await c.ExecuteAsync(t, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, @at)", ("@v", version), ("@n", name), ("@at", Now));
            }
            return 0;
        });
    }

    /// <summary>The schema version now in the database.</summary>
    public Task<int> SchemaVersionAsync() => ReadAsync(async c => Convert.ToInt32(await c.ScalarAsync(null, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations")));

    /// <summary>True when the database answers a query (readiness).</summary>
    public async Task<bool> PingAsync()
    {
        try
        {
            return await ReadAsync(async c => await c.ScalarAsync(null, "SELECT 1") is not null);
        }
        catch (DbException)
        {
            return false;
        }
    }

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/> unless a value is there; returns the value in force.</summary>
    public Task<string> InitMetaAsync(string key, string value) => WriteAsync(async (c, t) =>
    {
        if (await c.ScalarAsync(t, "SELECT value FROM meta WHERE key = @k", ("@k", key)) is string existing)
        {
            return existing;
        }
        await c.ExecuteAsync(t, "INSERT INTO meta (key, value) VALUES (@k, @v)", ("@k", key), ("@v", value));
        return value;
    });

    internal static string? Cursor(string? lastId, int count, int limit) => count == limit ? lastId : null;

    private int _disposed;

    /// <summary>Closes the writer and the connections; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _writer.DisposeAsync();
        if (_owned is not null)
        {
            await _owned.DisposeAsync();
        }
    }
}

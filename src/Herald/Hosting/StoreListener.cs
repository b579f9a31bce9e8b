using Herald.Api;
using Herald.Engine.Delivery;
using Herald.Engine.Publishing;
using Herald.Storage;
using Herald.Storage.Ports;
using Microsoft.Extensions.Hosting;

namespace Herald.Hosting;

/// <summary>
/// Hears what the other processes on a shared database say (PostgreSQL LISTEN/NOTIFY): published
/// work wakes this process's dispatcher at once, and endpoints, event types or keys changed elsewhere
/// leave this process's caches. Nothing to hear on a database owned by one process.
/// </summary>
public sealed class StoreListener : BackgroundService
{
    private readonly IChangeFeed _store;

    public StoreListener(IChangeFeed store, DispatchSignal signal, EndpointCatalog endpoints, EventTypeCatalog eventTypes, KeyAuthenticator keys)
    {
        _store = store;
        store.WorkAvailable += signal.Notify;
        store.EventTypeChanged += eventTypes.Invalidate;
        store.KeyRevoked += keys.Forget;
        store.CachesStale += () =>
        {
            endpoints.InvalidateAll();
            eventTypes.InvalidateAll();
            keys.ForgetAll();
        };
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _store.ListenAsync(stoppingToken);
}

using System.Collections.Concurrent;
using Herald.Core.Model;
using Herald.Core.Schemas;
using Herald.Storage;
using Herald.Storage.Ports;

namespace Herald.Engine.Publishing;

/// <summary>
/// The organization's catalogue of event types, with compiled schemas cached for the publish path.
/// Every change goes through this process's API and evicts the entry.
/// </summary>
public sealed class EventTypeCatalog(ITenancyStore store)
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<(string Org, string Name), Entry> _cache = new();

    public sealed record Entry(EventType? Type, EventSchema? Schema);

    public async ValueTask<Entry> FindAsync(string orgId, string name)
    {
        if (_cache.TryGetValue((orgId, name), out var entry))
        {
            return entry;
        }
        var type = await store.GetEventTypeAsync(orgId, name);
        EventSchema? schema = null;
        if (type?.SchemaJson is { } json)
        {
            EventSchema.TryCompile(json, out schema, out _);
        }
        entry = new Entry(type, schema);
        if (_cache.Count >= MaxEntries)
        {
            _cache.Clear();
        }
        _cache[(orgId, name)] = entry;
        return entry;
    }

    public void Invalidate(string orgId, string name) => _cache.TryRemove((orgId, name), out _);

    public void InvalidateAll() => _cache.Clear();
}

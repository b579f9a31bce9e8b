using System.Collections.Concurrent;

namespace Herald.Schemas;

/// <summary>
/// Compiled schemas keyed by their text, so each schema is compiled once however many events are
/// published against it, and an edited schema (new text) is picked up without any invalidation.
/// </summary>
public sealed class EventSchemaCache
{
    // Far more than the schemas in use at once; clearing when full keeps memory bounded without
    // an eviction policy, at the price of recompiling what is still in use.
    private const int Capacity = 1024;

    private readonly ConcurrentDictionary<string, EventSchema> _compiled = new(StringComparer.Ordinal);

    /// <summary>The compiled schema, or null when the text is not a schema Herald accepts.</summary>
    public EventSchema? Get(string schemaJson)
    {
        if (_compiled.TryGetValue(schemaJson, out var schema))
        {
            return schema;
        }
        if (!EventSchema.TryCompile(schemaJson, out schema, out _))
        {
            return null;
        }
        if (_compiled.Count >= Capacity)
        {
            _compiled.Clear();
        }
        return _compiled.GetOrAdd(schemaJson, schema);
    }
}

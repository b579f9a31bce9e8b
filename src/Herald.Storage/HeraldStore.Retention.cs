using System.Text;
using Herald.Core;
using Herald.Storage.Relational;

namespace Herald.Storage;

public sealed partial class HeraldStore
{
    /// <summary>
    /// Deletes up to <paramref name="batch"/> events created before <paramref name="cutoff"/> whose
    /// deliveries have all ended, with their deliveries and attempts, and expired idempotency keys.
    /// An event still owed to a receiver is never purged, however old. Returns the events deleted.
    /// </summary>
    public Task<int> PurgeAsync(DateTimeOffset cutoff, DateTimeOffset idempotencyCutoff, int batch) => WriteAsync(async (c, t) =>
    {
        await c.ExecuteAsync(t, "DELETE FROM idempotency WHERE created_at < @cut", ("@cut", Times.ToUnixMs(idempotencyCutoff)));
        var ids = await c.QueryAsync(t, """
            SELECT id FROM events e
            WHERE e.created_at < @cut
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status IN ('pending', 'delivering'))
            ORDER BY e.created_at
            LIMIT @batch
            """, r => r.GetString(0), ("@cut", Times.ToUnixMs(cutoff)), ("@batch", batch));
        if (ids.Count == 0)
        {
            return 0;
        }
        var names = new StringBuilder();
        var args = new (string, object?)[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            names.Append(i == 0 ? "" : ", ").Append("@e").Append(i);
            args[i] = ($"@e{i}", ids[i]);
        }
        await c.ExecuteAsync(t, $"DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_id IN ({names}))", args);
        await c.ExecuteAsync(t, $"DELETE FROM deliveries WHERE event_id IN ({names})", args);
        await c.ExecuteAsync(t, $"DELETE FROM events WHERE id IN ({names})", args);
        return ids.Count;
    });
}

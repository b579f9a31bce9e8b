using System.Text;
using Herald.Core;
using Herald.Storage.Relational;

namespace Herald.Storage;

// Aggregates for the dashboard. Plain SELECT / GROUP BY over the BIGINT millisecond columns with
// integer arithmetic and CASE, so the same SQL runs on SQLite and PostgreSQL; each query returns
// at most a few hundred rows whatever the volume, and the charts are drawn from them.
public sealed partial class HeraldStore
{
    /// <summary>Upper bounds (exclusive, ms) of the latency classes; the last class is everything slower.</summary>
    public static readonly IReadOnlyList<int> LatencyBounds = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

    private static readonly string LatencyClassSql = BuildLatencyClassSql();

    /// <summary>Deliveries of one endpoint by where they stand.</summary>
    public readonly record struct DeliveryCounts(long Succeeded, long Failed, long Open);

    /// <summary>One bar segment: deliveries that reached an outcome in one time bucket.</summary>
    public readonly record struct OutcomeCount(long Bucket, string Outcome, long Count);

    /// <summary>One histogram cell: attempts of one latency class in one time bucket.</summary>
    public readonly record struct LatencyCount(long Bucket, int Class, long Count);

    /// <summary>Deliveries created since <paramref name="since"/>, per endpoint: succeeded, failed, and still open.</summary>
    public Task<Dictionary<string, DeliveryCounts>> DeliveryCountsByEndpointAsync(string orgId, DateTimeOffset since) => ReadAsync(async c =>
    {
        var result = new Dictionary<string, DeliveryCounts>(StringComparer.Ordinal);
        // Delivery ids start with their creation time, so the id bound keeps the scan on the primary key.
        var rows = await c.QueryAsync(null, """
            SELECT endpoint_id, status, COUNT(*) FROM deliveries
            WHERE org_id = @org AND id >= @first AND created_at >= @since
            GROUP BY endpoint_id, status
            """,
            r => (Endpoint: r.GetString(0), Status: r.GetString(1), Count: r.GetInt64(2)),
            ("@org", orgId), ("@first", IdFloor(Ids.Delivery, since)), ("@since", Times.ToUnixMs(since)));
        foreach (var (endpoint, status, count) in rows)
        {
            var current = result.GetValueOrDefault(endpoint);
            result[endpoint] = status switch
            {
                "succeeded" => current with { Succeeded = current.Succeeded + count },
                "failed" => current with { Failed = current.Failed + count },
                "pending" or "delivering" => current with { Open = current.Open + count },
                _ => current,
            };
        }
        return result;
    });

    /// <summary>
    /// Deliveries whose last change fell in [since, until), per bucket of <paramref name="bucket"/>, by
    /// outcome: <c>succeeded</c>, <c>failed</c>, or <c>retrying</c> (pending after a failed attempt).
    /// Bucket n starts at since + n × bucket.
    /// </summary>
    public Task<List<OutcomeCount>> DeliveryOutcomesAsync(string orgId, DateTimeOffset since, DateTimeOffset until, TimeSpan bucket) => ReadAsync(c =>
        c.QueryAsync(null, """
            SELECT (updated_at - @since) / @bucket,
                   CASE WHEN status = 'pending' THEN 'retrying' ELSE status END,
                   COUNT(*)
            FROM deliveries
            WHERE org_id = @org AND updated_at >= @since AND updated_at < @until
              AND (status IN ('succeeded', 'failed') OR (status = 'pending' AND attempt_count > 0))
            GROUP BY 1, 2
            """,
            r => new OutcomeCount(r.GetInt64(0), r.GetString(1), r.GetInt64(2)),
            ("@org", orgId), ("@since", Times.ToUnixMs(since)), ("@until", Times.ToUnixMs(until)), ("@bucket", (long)bucket.TotalMilliseconds)));

    /// <summary>
    /// Attempts started in [since, until), per bucket of <paramref name="bucket"/> and latency class
    /// (an index into <see cref="LatencyBounds"/>, or its length for the slowest): a histogram the
    /// dashboard reads percentiles from.
    /// </summary>
    public Task<List<LatencyCount>> LatencyHistogramAsync(string orgId, DateTimeOffset since, DateTimeOffset until, TimeSpan bucket) => ReadAsync(c =>
        c.QueryAsync(null, $"""
            SELECT (a.started_at - @since) / @bucket, {LatencyClassSql}, COUNT(*)
            FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
            WHERE d.org_id = @org AND a.id >= @first AND a.started_at >= @since AND a.started_at < @until
            GROUP BY 1, 2
            """,
            r => new LatencyCount(r.GetInt64(0), r.GetInt32(1), r.GetInt64(2)),
            ("@org", orgId), ("@first", IdFloor(Ids.Attempt, since)), ("@since", Times.ToUnixMs(since)),
            ("@until", Times.ToUnixMs(until)), ("@bucket", (long)bucket.TotalMilliseconds)));

    private static string BuildLatencyClassSql()
    {
        var sql = new StringBuilder("CASE");
        for (var i = 0; i < LatencyBounds.Count; i++)
        {
            sql.Append(" WHEN a.duration_ms < ").Append(LatencyBounds[i]).Append(" THEN ").Append(i);
        }
        return sql.Append(" ELSE ").Append(LatencyBounds.Count).Append(" END").ToString();
    }

    /// <summary>The smallest id of <paramref name="prefix"/> stamped at <paramref name="time"/> or later (ULIDs sort by time).</summary>
    private static string IdFloor(string prefix, DateTimeOffset time)
    {
        const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        var ms = Math.Max(0, time.ToUnixTimeMilliseconds());
        Span<char> stamp = stackalloc char[10];
        for (var i = 9; i >= 0; i--)
        {
            stamp[i] = Alphabet[(int)(ms & 31)];
            ms >>= 5;
        }
        return $"{prefix}_{stamp}{new string('0', Ids.UlidLength - 10)}";
    }
}

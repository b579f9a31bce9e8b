namespace Herald.Storage.Relational;

/// <summary>The claim statement both dialects share; they differ in how the picked rows are locked.</summary>
internal static class Claims
{
    /// <summary>
    /// Leases up to @limit due deliveries for their endpoint's timeout (@timeout when unknown) plus
    /// @grace, and returns their ids. A FIFO delivery is due only while it is its endpoint's oldest
    /// open one. <paramref name="lockClause"/> ends the picking SELECT (PostgreSQL: skip rows other
    /// processes hold; SQLite: nothing, its one writer excludes everyone else).
    /// </summary>
    public static string Statement(string lockClause) => $"""
        UPDATE deliveries SET status = 'delivering', updated_at = @now,
            lease_until = @now + @grace + COALESCE((SELECT e.timeout_ms FROM endpoints e WHERE e.id = deliveries.endpoint_id), @timeout)
        WHERE id IN (
            SELECT id FROM deliveries d
            WHERE status = 'pending' AND next_attempt_at <= @now
              AND (fifo = 0 OR id = (SELECT MIN(o.id) FROM deliveries o WHERE o.endpoint_id = d.endpoint_id AND o.status IN ('pending', 'delivering')))
            ORDER BY next_attempt_at
            LIMIT @limit{lockClause})
        RETURNING id
        """;
}

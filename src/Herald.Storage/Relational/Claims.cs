using System.Text;

namespace Herald.Storage.Relational;

/// <summary>The claim statements both dialects share; they differ in how the picked rows are locked.</summary>
internal static class Claims
{
    // A FIFO delivery is due only while it is its endpoint's oldest open one: Core's FifoRule, in SQL
    // over the whole backlog at once (the storage contract tests hold the two to agreement).
    private const string FifoRule = "(d.fifo = 0 OR d.id = (SELECT MIN(o.id) FROM deliveries o WHERE o.endpoint_id = d.endpoint_id AND o.status IN ('pending', 'delivering')))";

    private const string Lease = """
        UPDATE deliveries SET status = 'delivering', updated_at = @now,
            lease_until = @now + @grace + COALESCE((SELECT e.timeout_ms FROM endpoints e WHERE e.id = deliveries.endpoint_id), @timeout)
        """;

    /// <summary>
    /// Leases up to @limit due deliveries, oldest due first whoever they belong to, for their
    /// endpoint's timeout (@timeout when unknown) plus @grace, and returns their ids.
    /// <paramref name="lockClause"/> ends the picking SELECT (PostgreSQL: skip rows other
    /// processes hold; SQLite: nothing, its one writer excludes everyone else).
    /// </summary>
    public static string Statement(string lockClause) => $"""
        {Lease}
        WHERE id IN (
            SELECT id FROM deliveries d
            WHERE status = 'pending' AND next_attempt_at <= @now
              AND {FifoRule}
            ORDER BY next_attempt_at
            LIMIT @limit{lockClause})
        RETURNING id
        """;

    /// <summary>
    /// Leases, like <see cref="Statement"/>, up to @q0…@qN due deliveries of endpoints @e0…@eN, each
    /// endpoint's oldest due first: one index range per endpoint, however long the others' backlogs.
    /// Each arm is a sub-select of its own, the form both dialects accept a LIMIT (and PostgreSQL a
    /// row lock) in under UNION ALL.
    /// </summary>
    public static string PerEndpointStatement(int endpoints, string lockClause, string indexHint)
    {
        var sql = new StringBuilder(Lease).Append("\nWHERE id IN (\n");
        for (var i = 0; i < endpoints; i++)
        {
            sql.Append(i == 0 ? "    " : "    UNION ALL ")
                .Append($"SELECT id FROM (SELECT d.id FROM deliveries d{indexHint} WHERE d.endpoint_id = @e{i} AND d.status = 'pending' AND d.next_attempt_at <= @now AND {FifoRule} ORDER BY d.next_attempt_at LIMIT @q{i}{lockClause}) a{i}\n");
        }
        return sql.Append(")\nRETURNING id").ToString();
    }

    /// <summary>
    /// A claim statement (ending <c>RETURNING id</c>) made to return each leased delivery with its
    /// event, in the columns <c>LoadClaimed</c> reads, so a claim is one round trip: the deliveries'
    /// columns come from the UPDATE itself (the lease changes none of them), the event's from a join
    /// (PostgreSQL: a data-modifying WITH).
    /// </summary>
    public static string ReturningRows(string claimStatement)
    {
        const string ReturningId = "RETURNING id";
        if (!claimStatement.EndsWith(ReturningId, StringComparison.Ordinal))
        {
            throw new ArgumentException("A claim statement ends with RETURNING id.", nameof(claimStatement));
        }
        return $"""
            WITH claimed AS (
            {claimStatement[..^ReturningId.Length]}RETURNING id, org_id, endpoint_id, attempt_count, scheduled_failures, next_attempt_at, event_id, batch_id
            )
            SELECT c.id, c.org_id, c.endpoint_id, c.attempt_count, c.scheduled_failures, c.next_attempt_at,
                   e.id, e.org_id, e.type, e.resource_type, e.resource_id, e.triggered_by, e.occurred_at, e.created_at, e.data, c.batch_id
            FROM claimed c JOIN events e ON e.id = c.event_id
            """;
    }

    /// <summary>
    /// The endpoints with pending deliveries, each with its organization and its earliest due time
    /// (null when every one is parked), found by skipping from one endpoint to the next in the
    /// pending-by-endpoint index: one seek per endpoint, however many deliveries each has. At most
    /// @max endpoints.
    /// </summary>
    public static string PendingEndpoints(string indexHint) => $"""
        WITH RECURSIVE pending(endpoint_id, n) AS (
            SELECT (SELECT d.endpoint_id FROM deliveries d{indexHint} WHERE d.status = 'pending' ORDER BY d.endpoint_id LIMIT 1), 1
            UNION ALL
            SELECT (SELECT d.endpoint_id FROM deliveries d{indexHint} WHERE d.status = 'pending' AND d.endpoint_id > p.endpoint_id ORDER BY d.endpoint_id LIMIT 1), p.n + 1
            FROM pending p WHERE p.endpoint_id IS NOT NULL AND p.n < @max
        )
        SELECT p.endpoint_id, e.org_id,
            (SELECT d.next_attempt_at FROM deliveries d{indexHint}
             WHERE d.endpoint_id = p.endpoint_id AND d.status = 'pending' AND d.next_attempt_at IS NOT NULL
             ORDER BY d.next_attempt_at LIMIT 1)
        FROM pending p JOIN endpoints e ON e.id = p.endpoint_id
        """;
}

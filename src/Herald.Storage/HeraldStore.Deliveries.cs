using System.Data.Common;
using System.Text;
using System.Text.Json;
using Herald.Core;
using Herald.Core.Model;
using Herald.Core.Policies;
using Herald.Storage.Relational;

namespace Herald.Storage;

public sealed partial class HeraldStore
{
    /// <summary>How long a request-scoped attempt (ping, manual retry) holds its delivery: longer than any timeout.</summary>
    public static readonly TimeSpan ManualLease = TimeSpan.FromSeconds(90);

    private const string DeliveryColumns = "id, org_id, event_id, endpoint_id, status, attempt_count, next_attempt_at, created_at, updated_at";

    private static Delivery MapDelivery(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
        DeliveryStatuses.TryParse(r.GetString(4), out var status) ? status : DeliveryStatus.Pending,
        r.GetInt32(5),
        r.NullableInt64(6) is { } next ? Times.FromUnixMs(next) : null,
        Times.FromUnixMs(r.GetInt64(7)), Times.FromUnixMs(r.GetInt64(8)));

    public Task<Delivery?> GetDeliveryAsync(string orgId, string id) =>
        ReadAsync(c => c.OneAsync(null, $"SELECT {DeliveryColumns} FROM deliveries WHERE org_id = @org AND id = @id", MapDelivery, ("@org", orgId), ("@id", id)));

    public Task<Page<Delivery>> ListDeliveriesAsync(string orgId, DeliveryQuery q) => ReadAsync(async c =>
    {
        var sql = new StringBuilder($"SELECT {DeliveryColumns} FROM deliveries WHERE org_id = @org");
        var args = new List<(string, object?)> { ("@org", orgId), ("@limit", q.Limit) };
        AddFilter(sql, args, "endpoint_id", q.EndpointId);
        AddFilter(sql, args, "event_id", q.EventId);
        AddFilter(sql, args, "status", q.Status is { } s ? DeliveryStatuses.Name(s) : null);
        AddWindow(sql, args, q.Since, q.Until, q.Cursor);
        sql.Append(" ORDER BY id DESC LIMIT @limit");
        var rows = await c.QueryAsync(null, sql.ToString(), MapDelivery, [.. args]);
        return new Page<Delivery>(rows, Cursor(rows.LastOrDefault()?.Id, rows.Count, q.Limit));
    });

    public Task<List<Attempt>> ListAttemptsAsync(string deliveryId) => ReadAsync(c =>
        c.QueryAsync(null, "SELECT id, delivery_id, started_at, duration_ms, request, response, error FROM attempts WHERE delivery_id = @d ORDER BY id",
            MapAttempt, ("@d", deliveryId)));

    private static Attempt MapAttempt(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), Times.FromUnixMs(r.GetInt64(2)), r.GetInt32(3),
        JsonSerializer.Deserialize(r.GetString(4), StorageJson.Default.AttemptRequest)!,
        r.IsDBNull(5) ? null : JsonSerializer.Deserialize(r.GetString(5), StorageJson.Default.AttemptResponse),
        r.NullableString(6));

    /// <summary>The timeout assumed for a delivery whose endpoint row is gone: the longest an endpoint may have.</summary>
    private const long LongestTimeoutMs = 60_000;

    /// <summary>
    /// Leases one delivery for a manual attempt outside its schedule. Null when it is not in this
    /// organization; throws <see cref="ConflictException"/> when it is being sent or was cancelled.
    /// </summary>
    public Task<ClaimedDelivery?> ClaimOneAsync(string orgId, string id, TimeSpan lease) => WriteAsync(async (c, t) =>
    {
        var status = await c.ScalarAsync(t, "SELECT status FROM deliveries WHERE org_id = @org AND id = @id" + _dialect.ForUpdate, ("@org", orgId), ("@id", id)) as string;
        if (status is null)
        {
            return null;
        }
        if (status is "delivering" or "cancelled")
        {
            throw new ConflictException(status == "cancelled"
                ? "The delivery was cancelled; it cannot be retried."
                : "An attempt of this delivery is in progress; try again when it has finished.");
        }
        var now = Now;
        await c.ExecuteAsync(t, "UPDATE deliveries SET status = 'delivering', lease_until = @lease, updated_at = @now WHERE id = @id",
            ("@id", id), ("@now", now), ("@lease", now + (long)lease.TotalMilliseconds));
        DeliveryStatuses.TryParse(status, out var previous);
        return (await LoadClaimedAsync(c, t, [id], previous))[0];
    });

    private static async ValueTask<List<ClaimedDelivery>> LoadClaimedAsync(DbConnection c, DbTransaction? t, List<string> ids, DeliveryStatus previous)
    {
        var (names, args) = Sql.InList(ids);
        return await c.QueryAsync(t, $"""
            SELECT d.id, d.org_id, d.endpoint_id, d.attempt_count, d.scheduled_failures, d.next_attempt_at,
                   e.id, e.org_id, e.type, e.resource_type, e.resource_id, e.triggered_by, e.occurred_at, e.created_at, e.data, d.batch_id
            FROM deliveries d JOIN events e ON e.id = d.event_id
            WHERE d.id IN ({names})
            """,
            r => MapClaimed(r, previous),
            args);
    }

    /// <summary>A claimed delivery and its event, in the columns of <see cref="LoadClaimedAsync"/> and <see cref="Claims.ReturningRows"/>.</summary>
    private static ClaimedDelivery MapClaimed(DbDataReader r, DeliveryStatus previous) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), previous, MapEvent(r, 6))
        {
            DueAt = r.NullableInt64(5) is { } due ? Times.FromUnixMs(due) : null,
            BatchId = r.NullableString(15),
        };

    private static ClaimedDelivery MapClaimedPending(DbDataReader r) => MapClaimed(r, DeliveryStatus.Pending);

    /// <summary>
    /// Completes a deferred batch around deliveries already claimed for one endpoint: other due
    /// deliveries of that endpoint are leased too (so one interval needs as few requests as the
    /// limits allow, however the claim was cut), and the deliveries without a batch are cut into
    /// batches of at most <paramref name="maxCount"/> deliveries whose events' data total at most
    /// <paramref name="maxBytes"/> (an event larger than that makes a batch alone), each under a
    /// new id from <paramref name="newBatchId"/>. Returns the batches' delivery ids, each batch to
    /// be sent as one request; a batch being retried keeps its id and its members.
    /// </summary>
    /// <remarks>
    /// Only ids and sizes are read here: payloads are loaded one batch at a time
    /// (<see cref="LoadBatch"/>), so a backlog of large events is never in memory at once.
    /// Extra deliveries are leased only while they fit in the batch being filled.
    /// </remarks>
    public Task<IReadOnlyList<IReadOnlyList<string>>> ExpandBatchAsync(string endpointId, IReadOnlyList<string> claimedIds, TimeSpan lease, int maxCount, long maxBytes, Func<string> newBatchId) =>
        WriteAsync<IReadOnlyList<IReadOnlyList<string>>>(async (c, t) =>
        {
            var now = Now;
            var leaseUntil = now + (long)lease.TotalMilliseconds;
            var claimed = await BatchMembersAsync(c, t, [.. claimedIds.Distinct()]);
            // A batch being retried goes out whole under its id: members a claim left out are leased too.
            foreach (var batchId in claimed.Select(m => m.BatchId).OfType<string>().Distinct().ToList())
            {
                var rest = await c.QueryAsync(t, $"""
                    SELECT id FROM deliveries
                    WHERE endpoint_id = @ep AND batch_id = @b AND status = 'pending'{_dialect.ForUpdateSkipLocked}
                    """, r => r.GetString(0), ("@ep", endpointId), ("@b", batchId));
                foreach (var id in rest.Where(id => !claimedIds.Contains(id)))
                {
                    await c.ExecuteAsync(t, "UPDATE deliveries SET status = 'delivering', lease_until = @lease, updated_at = @now WHERE id = @id",
                        ("@id", id), ("@now", now), ("@lease", leaseUntil));
                    claimed.Add(new BatchMember(id, batchId, "", 0));
                }
            }
            var fresh = claimed.Where(m => m.BatchId is null).ToList();
            var count = fresh.Count;
            var bytes = fresh.Sum(m => m.Bytes);
            var candidates = await c.QueryAsync(t, $"""
                SELECT id FROM deliveries
                WHERE endpoint_id = @ep AND status = 'pending' AND next_attempt_at <= @now AND batch_id IS NULL
                ORDER BY next_attempt_at
                LIMIT @cap{_dialect.ForUpdateSkipLocked}
                """, r => r.GetString(0), ("@ep", endpointId), ("@now", now), ("@cap", maxCount));
            var sizes = (await BatchMembersAsync(c, t, candidates)).ToDictionary(m => m.Id);
            foreach (var id in candidates)
            {
                // In claim order, stopping at the first that does not fit: the oldest go first.
                if (count >= maxCount || !sizes.TryGetValue(id, out var member) || (count > 0 && bytes + member.Bytes > maxBytes))
                {
                    break;
                }
                await c.ExecuteAsync(t, "UPDATE deliveries SET status = 'delivering', lease_until = @lease, updated_at = @now WHERE id = @id",
                    ("@id", id), ("@now", now), ("@lease", leaseUntil));
                fresh.Add(member);
                count++;
                bytes += member.Bytes;
            }

            var batches = claimed
                .Where(m => m.BatchId is not null)
                .GroupBy(m => m.BatchId)
                .Select(g => (IReadOnlyList<string>)[.. g.Select(m => m.Id)])
                .ToList();
            var current = new List<string>();
            var currentBytes = 0L;
            string? currentId = null;
            foreach (var member in fresh.OrderBy(m => m.EventId, StringComparer.Ordinal))
            {
                if (current.Count > 0 && (current.Count >= maxCount || currentBytes + member.Bytes > maxBytes))
                {
                    batches.Add(current);
                    (current, currentBytes, currentId) = ([], 0, null);
                }
                currentId ??= newBatchId();
                await c.ExecuteAsync(t, "UPDATE deliveries SET batch_id = @b WHERE id = @id", ("@b", currentId), ("@id", member.Id));
                current.Add(member.Id);
                currentBytes += member.Bytes;
            }
            if (current.Count > 0)
            {
                batches.Add(current);
            }
            return batches;
        });

    /// <summary>The deliveries of one batch, with their events, in event order: one request's worth.</summary>
    public Task<IReadOnlyList<ClaimedDelivery>> LoadBatchAsync(IReadOnlyList<string> ids) => ReadAsync<IReadOnlyList<ClaimedDelivery>>(async c =>
        ids.Count == 0 ? [] : [.. (await LoadClaimedAsync(c, null, [.. ids], DeliveryStatus.Pending)).OrderBy(d => d.Event.Id, StringComparer.Ordinal)]);

    private sealed record BatchMember(string Id, string? BatchId, string EventId, long Bytes);

    // Sizes without payloads: length() of a blob or bytea is its byte count in both dialects.
    private static async ValueTask<List<BatchMember>> BatchMembersAsync(DbConnection c, DbTransaction t, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        var (names, args) = Sql.InList(ids);
        return await c.QueryAsync(t, $"""
            SELECT d.id, d.batch_id, d.event_id, length(e.data)
            FROM deliveries d JOIN events e ON e.id = d.event_id
            WHERE d.id IN ({names})
            """,
            r => new BatchMember(r.GetString(0), r.NullableString(1), r.GetString(2), r.GetInt64(3)),
            args);
    }

    /// <summary>
    /// Records an attempt and moves its delivery on, in one transaction, with what the attempt means
    /// for its endpoint: failures counted toward the circuit breaker and auto-disable, a success
    /// closing an open circuit, a 410 disabling it. A disabling outcome carries its
    /// <c>herald.endpoint.disabled</c> event, stored in the same transaction.
    /// </summary>
    public async Task<HealthChange> CompleteAsync(AttemptOutcome outcome)
    {
        // Serialized here, on the caller's thread: the writer's thread is the one every write shares.
        var request = JsonSerializer.Serialize(outcome.Attempt.Request, StorageJson.Default.AttemptRequest);
        var response = outcome.Attempt.Response is null ? null : JsonSerializer.Serialize(outcome.Attempt.Response, StorageJson.Default.AttemptResponse);
        var change = await WriteAsync(Complete(outcome, request, response));
        if (outcome.Status == DeliveryStatus.Pending)
        {
            PendingWorkChanged();
        }
        if (outcome.Health is { } health && change != HealthChange.None)
        {
            EndpointsChanged?.Invoke(health.OrgId);
        }
        return change;
    }

    // The attempt, the delivery's next state and (when the attempt says something of its endpoint)
    // the endpoint's standing: statements known in advance, so one command alone, and on a server
    // database one round trip shared with the other writes of the transaction.
    // Only a delivery still leased moves on: one deleted (cancelled) meanwhile stays cancelled.
    // While its endpoint's circuit is open, a delivery waits parked rather than on its schedule.
    private const string InsertAttemptSql =
        "INSERT INTO attempts (id, delivery_id, started_at, duration_ms, request, response, error) VALUES (@attempt, @delivery, @started, @ms, @req, @res, @err)";

    private const string MoveDeliverySql = """
        UPDATE deliveries SET status = @status, attempt_count = attempt_count + 1, scheduled_failures = @sf,
            next_attempt_at = CASE WHEN @status = 'pending' AND EXISTS (SELECT 1 FROM endpoints e WHERE e.id = deliveries.endpoint_id AND e.circuit_open = 1)
                                   THEN NULL ELSE CAST(@next AS BIGINT) END,
            lease_until = NULL, updated_at = @now
        WHERE id = @delivery AND status = 'delivering'
        """;

    private const string EndpointStateSql = "SELECT enabled, circuit_open, consecutive_failures, failing_since FROM endpoints WHERE id = @ep";

    private static readonly string[] RecordAttempt = [InsertAttemptSql, MoveDeliverySql];
    private static readonly string[] RecordAttemptWithState = [InsertAttemptSql, MoveDeliverySql, EndpointStateSql];
    private const string RecordAttemptSql = InsertAttemptSql + ";\n" + MoveDeliverySql + ";\n";
    private const string RecordAttemptWithStateSql = RecordAttemptSql + EndpointStateSql;

    private StatementWrite<HealthChange> Complete(AttemptOutcome outcome, string request, string? response)
    {
        var a = outcome.Attempt;
        (string, object?)[] args =
        [
            ("@attempt", a.Id), ("@delivery", a.DeliveryId), ("@started", Times.ToUnixMs(a.StartedAt)), ("@ms", a.DurationMs),
            ("@req", request), ("@res", response), ("@err", a.Error),
            ("@status", DeliveryStatuses.Name(outcome.Status)), ("@sf", outcome.ScheduledFailures),
            ("@next", outcome.NextAttemptAt is { } next ? Times.ToUnixMs(next) : null), ("@now", Now),
        ];
        if (outcome.Health is not { } health)
        {
            return new StatementWrite<HealthChange>(RecordAttempt, RecordAttemptSql, args, null, (_, _, _) => ValueTask.FromResult(HealthChange.None));
        }
        return new StatementWrite<HealthChange>(RecordAttemptWithState, RecordAttemptWithStateSql, [.. args, ("@ep", health.EndpointId)],
            r => ReadEndpointState(r),
            (c, t, state) => ApplyHealthAsync(c, t, health, outcome.DisabledNotice, (EndpointStanding?)state));
    }

    private static EndpointStanding ReadEndpointState(DbDataReader r) =>
        new(r.GetInt64(0) != 0, r.GetInt64(1) != 0, r.GetInt64(2), r.NullableInt64(3) is { } since ? Times.FromUnixMs(since) : null);

    /// <summary>
    /// Writes what <see cref="EndpointHealthRules"/> decides one request does to its endpoint. A
    /// notice of the endpoint's disabling is built only when the decision disables it, and is stored
    /// in the same transaction.
    /// </summary>
    private async ValueTask<HealthChange> ApplyHealthAsync(DbConnection c, DbTransaction t, EndpointHealth health, Func<string, NewEvent>? disabledNotice,
        EndpointStanding? standing)
    {
        if (standing is null || EndpointHealthRules.LeavesAlone(standing.Value, health.Verdict))
        {
            // Healthy and staying so: the usual case, with no write and no row lock.
            return HealthChange.None;
        }
        if (!_dialect.OwnsDatabaseAlone)
        {
            // About to write from what was read: lock the row and read again, so processes sharing
            // the database count every failure.
            standing = await LockedEndpointStateAsync(c, t, health.EndpointId);
            if (standing is null)
            {
                return HealthChange.None;
            }
        }
        var now = Now;
        switch (EndpointHealthRules.Decide(standing.Value, health.Verdict, health.Policy, Times.FromUnixMs(now)))
        {
            case HealthDecision.Recovered recovered:
                await c.ExecuteAsync(t, "UPDATE endpoints SET consecutive_failures = 0, failing_since = NULL, circuit_open = 0, probe_at = NULL WHERE id = @id",
                    ("@id", health.EndpointId));
                if (!recovered.ClosesCircuit)
                {
                    return HealthChange.None;
                }
                Notify(c, t, StoreNotifications.Endpoints(health.OrgId));
                // The first success closes the circuit and the backlog drains.
                if (standing.Value.Enabled)
                {
                    await ApplyEnabledStateAsync(c, t, health.EndpointId, enabled: true);
                }
                return HealthChange.CircuitClosed;

            case HealthDecision.Disabled disabled:
                await c.ExecuteAsync(t, """
                    UPDATE endpoints SET enabled = 0, disabled_reason = @r, circuit_open = 0, probe_at = NULL,
                        consecutive_failures = @f, failing_since = @since, updated_at = @now
                    WHERE id = @id
                    """, ("@r", disabled.Reason), ("@f", disabled.ConsecutiveFailures), ("@since", Times.ToUnixMs(disabled.FailingSince)),
                    ("@now", now), ("@id", health.EndpointId));
                await ApplyEnabledStateAsync(c, t, health.EndpointId, enabled: false);
                Notify(c, t, StoreNotifications.Endpoints(health.OrgId));
                if (disabledNotice is not null)
                {
                    await InsertEventAsync(c, t, disabledNotice(disabled.Reason));
                }
                return HealthChange.Disabled;

            case HealthDecision.FailureCounted failed:
                await c.ExecuteAsync(t, """
                    UPDATE endpoints SET consecutive_failures = @f, failing_since = @since,
                        circuit_open = CASE WHEN @opens = 1 THEN 1 ELSE circuit_open END,
                        probe_at = COALESCE(CAST(@probe AS BIGINT), probe_at)
                    WHERE id = @id
                    """, ("@f", failed.ConsecutiveFailures), ("@since", Times.ToUnixMs(failed.FailingSince)), ("@opens", failed.OpensCircuit ? 1 : 0),
                    ("@probe", failed.NextProbeAt is { } probe ? Times.ToUnixMs(probe) : null), ("@id", health.EndpointId));
                if (!failed.OpensCircuit)
                {
                    return HealthChange.None;
                }
                Notify(c, t, StoreNotifications.Endpoints(health.OrgId));
                // Paused: the waiting deliveries are parked, so the pause consumes none of their attempts.
                await c.ExecuteAsync(t, "UPDATE deliveries SET next_attempt_at = NULL, updated_at = @now WHERE endpoint_id = @id AND status = 'pending'",
                    ("@id", health.EndpointId), ("@now", now));
                return HealthChange.CircuitOpened;

            default:
                return HealthChange.None;
        }
    }

    private async ValueTask<EndpointStanding?> LockedEndpointStateAsync(DbConnection c, DbTransaction t, string endpointId)
    {
        var rows = await c.QueryAsync(t, EndpointStateSql + _dialect.ForUpdate, ReadEndpointState, ("@ep", endpointId));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>
    /// Leases one waiting delivery of each open-circuit endpoint whose probe is due, and moves its
    /// next probe an interval on: one probe per endpoint per interval, whatever the number of processes.
    /// </summary>
    public Task<IReadOnlyList<ClaimedDelivery>> ClaimProbesAsync(TimeSpan lease, TimeSpan probeInterval) => WriteAsync<IReadOnlyList<ClaimedDelivery>>(async (c, t) =>
    {
        var now = Now;
        var due = await c.QueryAsync(t, "SELECT id FROM endpoints WHERE circuit_open = 1 AND enabled = 1 AND probe_at <= @now" + _dialect.ForUpdateSkipLocked, r => r.GetString(0), ("@now", now));
        var claimed = new List<ClaimedDelivery>();
        foreach (var endpointId in due)
        {
            await c.ExecuteAsync(t, "UPDATE endpoints SET probe_at = @next WHERE id = @id", ("@next", now + (long)probeInterval.TotalMilliseconds), ("@id", endpointId));
            var probe = await c.ScalarAsync(t, "SELECT id FROM deliveries WHERE endpoint_id = @ep AND status = 'pending' ORDER BY id LIMIT 1" + _dialect.ForUpdateSkipLocked, ("@ep", endpointId)) as string;
            if (probe is null)
            {
                continue;
            }
            await c.ExecuteAsync(t, "UPDATE deliveries SET status = 'delivering', lease_until = @lease, updated_at = @now WHERE id = @id",
                ("@id", probe), ("@now", now), ("@lease", now + (long)lease.TotalMilliseconds));
            claimed.AddRange(await LoadClaimedAsync(c, t, [probe], DeliveryStatus.Pending));
        }
        return claimed;
    });

    /// <summary>
    /// The rate limit of an endpoint, shared by every process through the database: the endpoint's
    /// row is locked, <see cref="RateSlots"/> decides from it, and a delivery that must wait is put
    /// back, due at the turn it was given; at its turn it asks again.
    /// </summary>
    public Task<SlotDecision> TakeSendSlotAsync(string deliveryId, string endpointId, double ratePerSecond) => WriteAsync(async (c, t) =>
    {
        var nowUs = _time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        // Processes sharing the database take turns on the endpoint's row: the first send creates it.
        await c.ExecuteAsync(t, "INSERT INTO rate_limits (endpoint_id, next_free_us, queue_until_us) VALUES (@ep, 0, 0) ON CONFLICT (endpoint_id) DO NOTHING", ("@ep", endpointId));
        var rows = await c.QueryAsync(t, "SELECT next_free_us, queue_until_us FROM rate_limits WHERE endpoint_id = @ep" + _dialect.ForUpdate,
            r => new RateState(r.GetInt64(0), r.GetInt64(1)), ("@ep", endpointId));
        var slot = RateSlots.Take(rows.Count > 0 ? rows[0] : new RateState(0, 0), nowUs, ratePerSecond);
        await SaveRateStateAsync(c, t, endpointId, slot.State);
        if (slot.SendNow)
        {
            return SlotDecision.SendNow;
        }
        await c.ExecuteAsync(t, "UPDATE deliveries SET status = 'pending', lease_until = NULL, next_attempt_at = @turn, updated_at = @now WHERE id = @id AND status = 'delivering'",
            ("@id", deliveryId), ("@turn", (slot.TurnUs + 999) / 1000), ("@now", Now));
        return SlotDecision.Deferred;
    });

    private static ValueTask<int> SaveRateStateAsync(DbConnection c, DbTransaction t, string endpointId, RateState state) =>
        c.ExecuteAsync(t, """
            INSERT INTO rate_limits (endpoint_id, next_free_us, queue_until_us) VALUES (@ep, @next, @queue)
            ON CONFLICT (endpoint_id) DO UPDATE SET next_free_us = excluded.next_free_us, queue_until_us = excluded.queue_until_us
            """, ("@ep", endpointId), ("@next", state.NextFreeUs), ("@queue", state.QueueUntilUs));

    /// <summary>Hands leased deliveries back unattempted (shutdown, or an endpoint found disabled at send time).</summary>
    /// <param name="ids">The leased deliveries.</param>
    /// <param name="park">Wait with no due time (disabled endpoint, open circuit) instead of being due again.</param>
    /// <param name="dueAt">When they are due again, if not at their previous due time.</param>
    public async Task ReleaseAsync(IReadOnlyCollection<string> ids, bool park, DateTimeOffset? dueAt = null)
    {
        await WriteAsync(async (c, t) =>
        {
            foreach (var id in ids)
            {
                await c.ExecuteAsync(t, "UPDATE deliveries SET status = 'pending', lease_until = NULL, next_attempt_at = CASE WHEN @park = 1 THEN NULL ELSE COALESCE(@due, next_attempt_at) END, updated_at = @now WHERE id = @id AND status = 'delivering'",
                    ("@id", id), ("@park", park ? 1 : 0), ("@due", dueAt is { } due ? Times.ToUnixMs(due) : null), ("@now", Now));
            }
            return 0;
        });
        // Committed: only now may a reading of the endpoints with pending work see it.
        PendingWorkChanged();
    }

    /// <summary>
    /// At start of a process that owns its database alone, every lease belongs to a dead process:
    /// those deliveries are due again at once. Returns how many came back.
    /// </summary>
    public Task<int> ReclaimAllLeasesAsync() => WriteAsync(async (c, t) =>
        _dialect.OwnsDatabaseAlone
            ? await c.ExecuteAsync(t, "UPDATE deliveries SET status = 'pending', lease_until = NULL, next_attempt_at = COALESCE(next_attempt_at, @now), updated_at = @now WHERE status = 'delivering'", ("@now", Now))
            : 0);

    /// <summary>
    /// When the dispatcher has work next: the earliest due delivery and the earliest circuit probe,
    /// in one query (an idle server makes this one query a second).
    /// </summary>
    public Task<(DateTimeOffset? Delivery, DateTimeOffset? Probe)> NextDueAsync() => ReadAsync(async c => (await c.QueryAsync(null, _dialect.OwnsDatabaseAlone
        ? """
          SELECT (SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'),
                 (SELECT MIN(probe_at) FROM endpoints WHERE circuit_open = 1 AND enabled = 1)
          """
        // Shared: a dead process's expiring lease is work too.
        : """
          SELECT LEAST((SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'),
                       (SELECT MIN(lease_until) FROM deliveries WHERE status = 'delivering')),
                 (SELECT MIN(probe_at) FROM endpoints WHERE circuit_open = 1 AND enabled = 1)
          """, r => (r.NullableInt64(0) is { } d ? Times.FromUnixMs(d) : (DateTimeOffset?)null,
                   r.NullableInt64(1) is { } p ? Times.FromUnixMs(p) : (DateTimeOffset?)null)))[0]);

    /// <summary>Deliveries waiting or being sent, and endpoints whose circuit is open: the gauges of /metrics, in one query.</summary>
    public Task<(long QueueDepth, long OpenCircuits)> GaugesAsync() => ReadAsync(async c => (await c.QueryAsync(null, """
        SELECT (SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'delivering')),
               (SELECT COUNT(*) FROM endpoints WHERE circuit_open = 1)
        """, r => (r.GetInt64(0), r.GetInt64(1))))[0]);

    /// <summary>
    /// Re-queues, with a fresh schedule, the failed deliveries of an endpoint whose events were
    /// created in [since, until). Parked when the endpoint is disabled.
    /// </summary>
    public async Task<int> RecoverAsync(string orgId, string endpointId, bool endpointEnabled, DateTimeOffset since, DateTimeOffset until)
    {
        var recovered = await WriteAsync(async (c, t) =>
        {
            Notify(c, t, StoreNotifications.Work);
            return await c.ExecuteAsync(t, """
                UPDATE deliveries SET status = 'pending', scheduled_failures = 0, next_attempt_at = @next, updated_at = @now
                WHERE org_id = @org AND endpoint_id = @ep AND status = 'failed'
                  AND event_id IN (SELECT id FROM events WHERE org_id = @org AND created_at >= @since AND created_at < @until)
                """,
                ("@org", orgId), ("@ep", endpointId), ("@next", endpointEnabled ? Now : null), ("@now", Now),
                ("@since", Times.ToUnixMs(since)), ("@until", Times.ToUnixMs(until)));
        });
        PendingWorkChanged();
        return recovered;
    }

}

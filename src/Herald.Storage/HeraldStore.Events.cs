using System.Data.Common;
using System.Text;
using Herald.Core;
using Herald.Core.Model;
using Herald.Core.Validation;
using Herald.Storage.Relational;

namespace Herald.Storage;

public sealed partial class HeraldStore
{
    private const string EventColumns = "id, org_id, type, resource_type, resource_id, triggered_by, occurred_at, created_at, data";

    // Versions before unpaired surrogate escapes were refused stored them ("\ud800" in data or
    // triggered_by); they read as U+FFFD, so no API page, dashboard page or delivery fails to decode them.
    private static HeraldEvent MapEvent(DbDataReader r, int o = 0) => new(
        r.GetString(o), r.GetString(o + 1), r.GetString(o + 2),
        r.IsDBNull(o + 3) ? null : new ResourceRef(r.GetString(o + 3), r.GetString(o + 4)),
        r.NullableString(o + 5) is { } triggeredBy ? JsonUtf16.Repair(triggeredBy) : null,
        r.NullableInt64(o + 6) is { } occurred ? Times.FromUnixMs(occurred) : null,
        Times.FromUnixMs(r.GetInt64(o + 7)),
        JsonUtf16.Repair(r.Bytes(o + 8)));

    /// <summary>
    /// Stores an event with all its deliveries, and the idempotency record, in one transaction.
    /// When the idempotency key was already used inside the window, nothing is written and the
    /// earlier record is returned.
    /// </summary>
    public async Task<PublishOutcome> PublishAsync(NewEvent newEvent, IdempotencyRecord? idempotency, DateTimeOffset idempotencyNotBefore)
    {
        var outcome = idempotency is null && newEvent.Deliveries.Count is > 0 and <= DeliveryRowsPerInsert
            // The usual publish: two statements known in advance, sent with the transaction's other writes.
            ? await WriteAsync(new StatementWrite<PublishOutcome>(
                EventWithDeliveriesInsertStatements(newEvent.Deliveries.Count), EventWithDeliveriesInsertSql(newEvent.Deliveries.Count),
                EventInsertArgs(newEvent, 0, newEvent.Deliveries.Count), null,
                (_, _, _) => ValueTask.FromResult(new PublishOutcome(null)),
                StoreNotifications.Work))
            : await WriteAsync((c, t) => PublishAsync(c, t, newEvent, idempotency, idempotencyNotBefore));
        if (outcome.Existing is null)
        {
            // Committed: only now may a reading of the endpoints with pending work see it.
            var createdAt = Times.ToUnixMs(newEvent.Event.CreatedAt);
            foreach (var delivery in newEvent.Deliveries)
            {
                if (!delivery.Leased)
                {
                    PendingWorkAdded(delivery.EndpointId, delivery.DueAt is { } due ? Times.ToUnixMs(due) : createdAt);
                }
            }
        }
        return outcome;
    }

    private async ValueTask<PublishOutcome> PublishAsync(DbConnection c, DbTransaction t, NewEvent newEvent, IdempotencyRecord? idempotency, DateTimeOffset idempotencyNotBefore)
    {
        if (idempotency is not null)
        {
            var orgId = newEvent.Event.OrgId;
            var existing = await c.QueryAsync(t, "SELECT key, body_hash, status, response, created_at FROM idempotency WHERE org_id = @org AND key = @k",
                r => (Record: new IdempotencyRecord(r.GetString(0), r.Bytes(1), r.GetInt32(2), r.Bytes(3)), CreatedAt: r.GetInt64(4)),
                ("@org", orgId), ("@k", idempotency.Key));
            if (existing.Count > 0)
            {
                if (existing[0].CreatedAt >= Times.ToUnixMs(idempotencyNotBefore))
                {
                    return new PublishOutcome(existing[0].Record);
                }
                await c.ExecuteAsync(t, "DELETE FROM idempotency WHERE org_id = @org AND key = @k", ("@org", orgId), ("@k", idempotency.Key));
            }
            await c.ExecuteAsync(t, "INSERT INTO idempotency (org_id, key, body_hash, status, response, created_at) VALUES (@org, @k, @h, @s, @r, @at)",
                ("@org", orgId), ("@k", idempotency.Key), ("@h", idempotency.BodyHash), ("@s", idempotency.Status), ("@r", idempotency.Response),
                ("@at", Times.ToUnixMs(newEvent.Event.CreatedAt)));
        }
        await InsertEventAsync(c, t, newEvent);
        if (newEvent.Deliveries.Count > 0)
        {
            Notify(c, t, StoreNotifications.Work);
        }
        return new PublishOutcome(null);
    }

    private static async ValueTask InsertEventAsync(DbConnection c, DbTransaction t, NewEvent newEvent)
    {
        if (newEvent.Deliveries.Count == 0)
        {
            await c.ExecuteAsync(t, EventInsertSql, EventArgs(newEvent.Event));
            return;
        }
        // Many rows a statement: a fan-out to a thousand endpoints is ten round trips, not a thousand;
        // and the event rides in the command of its first hundred deliveries, so a usual publish is one.
        for (var first = 0; first < newEvent.Deliveries.Count; first += DeliveryRowsPerInsert)
        {
            var rows = Math.Min(DeliveryRowsPerInsert, newEvent.Deliveries.Count - first);
            await c.ExecuteAsync(t, first == 0 ? EventWithDeliveriesInsertSql(rows) : DeliveryInsertSql(rows), EventInsertArgs(newEvent, first, rows));
        }
    }

    /// <summary>
    /// The arguments of the INSERT of deliveries <paramref name="first"/>… (<paramref name="rows"/> of
    /// them) of an event, and for the first hundred those of the event's INSERT too.
    /// </summary>
    private static (string, object?)[] EventInsertArgs(NewEvent newEvent, int first, int rows)
    {
        var e = newEvent.Event;
        var createdAt = Times.ToUnixMs(e.CreatedAt);
        var eventArgs = first == 0 ? EventArgs(e) : [];
        var head = first == 0 ? eventArgs.Length : 1;
        var args = new (string, object?)[head + 2 + rows * 6];
        if (first == 0)
        {
            eventArgs.CopyTo(args, 0);
        }
        else
        {
            args[0] = ("@org", e.OrgId);
        }
        args[head] = ("@event", e.Id);
        args[head + 1] = ("@at", createdAt);
        for (var i = 0; i < rows; i++)
        {
            var delivery = newEvent.Deliveries[first + i];
            var p = head + 2 + i * 6;
            args[p] = ($"@id{i}", delivery.Id);
            args[p + 1] = ($"@ep{i}", delivery.EndpointId);
            args[p + 2] = ($"@st{i}", delivery.Leased ? "delivering" : "pending");
            args[p + 3] = ($"@due{i}", delivery.DueAt is { } due ? Times.ToUnixMs(due) : createdAt);
            args[p + 4] = ($"@lease{i}", delivery.Leased ? createdAt + (long)ManualLease.TotalMilliseconds : null);
            args[p + 5] = ($"@fifo{i}", delivery.Fifo ? 1 : 0);
        }
        return args;
    }

    private static (string, object?)[] EventArgs(HeraldEvent e) =>
    [
        ("@org", e.OrgId), ("@id", e.Id), ("@type", e.Type), ("@rt", e.Resource?.Type), ("@rid", e.Resource?.Id),
        ("@tb", e.TriggeredByJson), ("@oa", e.OccurredAt is { } oa ? Times.ToUnixMs(oa) : null), ("@ca", Times.ToUnixMs(e.CreatedAt)), ("@data", e.Data),
    ];

    private static readonly string[][] EventWithDeliveriesInsertStatementsBySize = new string[DeliveryRowsPerInsert + 1][];

    private static string[] EventWithDeliveriesInsertStatements(int rows) =>
        EventWithDeliveriesInsertStatementsBySize[rows] ??= [EventInsertSql, DeliveryInsertSql(rows)];

    private const string EventInsertSql = $"INSERT INTO events ({EventColumns}) VALUES (@id, @org, @type, @rt, @rid, @tb, @oa, @ca, @data)";

    private static readonly string[] EventWithDeliveriesInserts = new string[DeliveryRowsPerInsert + 1];

    /// <summary>The INSERT of an event and the INSERT of its first <paramref name="rows"/> deliveries, in one command.</summary>
    private static string EventWithDeliveriesInsertSql(int rows) =>
        EventWithDeliveriesInserts[rows] ??= EventInsertSql + ";\n" + DeliveryInsertSql(rows);

    private const int DeliveryRowsPerInsert = 100;

    private static readonly string[] DeliveryInserts = new string[DeliveryRowsPerInsert + 1];

    /// <summary>The INSERT of <paramref name="rows"/> deliveries of one event, built once per size.</summary>
    private static string DeliveryInsertSql(int rows) => DeliveryInserts[rows] ??= BuildDeliveryInsert(rows);

    private static string BuildDeliveryInsert(int rows)
    {
        var sql = new StringBuilder("""
            INSERT INTO deliveries (id, org_id, event_id, endpoint_id, status, attempt_count, scheduled_failures, next_attempt_at, lease_until, created_at, updated_at, fifo)
            VALUES
            """);
        for (var i = 0; i < rows; i++)
        {
            sql.Append(i == 0 ? "\n" : ",\n")
                .Append($"(@id{i}, @org, @event, @ep{i}, @st{i}, 0, 0, @due{i}, CAST(@lease{i} AS BIGINT), @at, @at, @fifo{i})");
        }
        return sql.ToString();
    }

    public Task<IdempotencyRecord?> FindIdempotencyAsync(string orgId, string key, DateTimeOffset notBefore) => ReadAsync(c =>
        c.OneAsync(null, "SELECT key, body_hash, status, response FROM idempotency WHERE org_id = @org AND key = @k AND created_at >= @nb",
            r => new IdempotencyRecord(r.GetString(0), r.Bytes(1), r.GetInt32(2), r.Bytes(3)),
            ("@org", orgId), ("@k", key), ("@nb", Times.ToUnixMs(notBefore))));

    public Task<HeraldEvent?> GetEventAsync(string orgId, string id) =>
        ReadAsync(c => c.OneAsync(null, $"SELECT {EventColumns} FROM events WHERE org_id = @org AND id = @id", r => MapEvent(r), ("@org", orgId), ("@id", id)));

    public Task<Page<HeraldEvent>> ListEventsAsync(string orgId, EventQuery q) => ReadAsync(async c =>
    {
        var sql = new StringBuilder($"SELECT {EventColumns} FROM events WHERE org_id = @org");
        var args = new List<(string, object?)> { ("@org", orgId), ("@limit", q.Limit) };
        AddFilter(sql, args, "type", q.Type);
        AddFilter(sql, args, "resource_type", q.ResourceType);
        AddFilter(sql, args, "resource_id", q.ResourceId);
        AddWindow(sql, args, q.Since, q.Until, q.Cursor);
        sql.Append(" ORDER BY id DESC LIMIT @limit");
        var rows = await c.QueryAsync(null, sql.ToString(), r => MapEvent(r), [.. args]);
        return new Page<HeraldEvent>(rows, Cursor(rows.LastOrDefault()?.Id, rows.Count, q.Limit));
    });

    private static void AddFilter(StringBuilder sql, List<(string, object?)> args, string column, object? value)
    {
        if (value is null)
        {
            return;
        }
        sql.Append($" AND {column} = @{column}");
        args.Add(($"@{column}", value));
    }

    /// <summary>since inclusive, until exclusive, on created_at; the cursor is the last id seen.</summary>
    private static void AddWindow(StringBuilder sql, List<(string, object?)> args, DateTimeOffset? since, DateTimeOffset? until, string? cursor)
    {
        if (since is { } s)
        {
            sql.Append(" AND created_at >= @since");
            args.Add(("@since", Times.ToUnixMs(s)));
        }
        if (until is { } u)
        {
            sql.Append(" AND created_at < @until");
            args.Add(("@until", Times.ToUnixMs(u)));
        }
        if (cursor is not null)
        {
            sql.Append(" AND id < @cursor");
            args.Add(("@cursor", cursor));
        }
    }
}

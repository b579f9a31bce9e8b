using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Herald.Core;
using Herald.Core.Model;
using Herald.Core.Validation;
using Herald.Engine.Configuration;
using Herald.Engine.Delivery;
using Herald.Engine.Telemetry;
using Herald.Storage;
using Herald.Storage.Ports;

namespace Herald.Engine.Publishing;

/// <summary>
/// Publishing: validate, match endpoints, and store the event with all its deliveries in one
/// transaction before answering — the point from which Herald owes at-least-once delivery.
/// The caller reads the body and renders the answer; everything in between happens here.
/// </summary>
public sealed class Publisher(
    IEventStore store,
    EndpointCatalog endpoints,
    EventTypeCatalog eventTypes,
    AttemptRunner runner,
    DispatchSignal signal,
    HeraldMetrics metrics,
    HeraldOptions options,
    TimeProvider time)
{
    public const int MaxTargets = 100;
    public const string InProgress = "A request with this Idempotency-Key is still being processed; retry when it has finished.";
    private readonly ConcurrentDictionary<(string Org, string Key), byte> _inProgress = new();

    private static readonly string[] Fields = ["type", "resource", "triggered_by", "occurred_at", "data", "endpoints"];

    /// <summary>
    /// Publishes one event for <paramref name="orgId"/>. <paramref name="readBody"/> is called once the
    /// idempotency key (null or empty: none) is held, and returns null when the body could not be read
    /// (the caller knows why). <paramref name="render"/> makes the accepted answer, which is stored with
    /// the idempotency key and replayed byte for byte.
    /// </summary>
    public async Task<PublishResult> PublishAsync(string orgId, string? idempotencyKey, Func<Task<byte[]?>> readBody, Func<HeraldEvent, int, byte[]> render)
    {
        if (string.IsNullOrEmpty(idempotencyKey))
        {
            return await PublishBodyAsync(orgId, null, readBody, render);
        }
        if (idempotencyKey.Length > 255 || idempotencyKey.Any(c => c < 0x21 || c > 0x7e))
        {
            return PublishResult.Invalid("Idempotency-Key", "must be 1 to 255 visible ASCII characters");
        }
        // While the first request with a key is being processed, a second one is told so (409)
        // rather than racing it into a second event.
        if (!_inProgress.TryAdd((orgId, idempotencyKey), 0))
        {
            return PublishResult.Conflict(InProgress);
        }
        try
        {
            return await PublishBodyAsync(orgId, idempotencyKey, readBody, render);
        }
        finally
        {
            _inProgress.TryRemove((orgId, idempotencyKey), out _);
        }
    }

    private async Task<PublishResult> PublishBodyAsync(string orgId, string? idempotencyKey, Func<Task<byte[]?>> readBody, Func<HeraldEvent, int, byte[]> render)
    {
        var raw = await readBody();
        if (raw is null)
        {
            return PublishResult.Unread;
        }
        // Only an idempotent request is compared with an earlier one; the others need no hash.
        byte[] bodyHash = idempotencyKey is null ? [] : SHA256.HashData(raw);
        var now = time.GetUtcNow();
        if (idempotencyKey is not null && await store.FindIdempotencyAsync(orgId, idempotencyKey, now - options.IdempotencyWindow) is { } earlier)
        {
            return Replay(earlier, bodyHash);
        }

        using var body = JsonBody.Parse(raw, out var parseError);
        if (body is null)
        {
            return PublishResult.Unparsed(parseError);
        }
        var errors = new ValidationErrors();
        var (evt, targets) = await ReadEventAsync(body, orgId, now, errors);
        if (evt is null)
        {
            return PublishResult.Invalid(errors);
        }
        var matched = await MatchAsync(evt, targets, errors);
        if (errors.Any)
        {
            return PublishResult.Invalid(errors);
        }
        var deliveries = Fanout.NewDeliveries(matched, now);
        var response = render(evt, deliveries.Count);
        var record = idempotencyKey is null ? null : new IdempotencyRecord(idempotencyKey, bodyHash, 202, response);

        // Checkpoint: the event, its deliveries and the idempotency record commit together, durably,
        // before the 202. A crash before this line loses a request the client saw fail.
        PublishOutcome outcome;
        try
        {
            outcome = await store.PublishAsync(new NewEvent(evt, deliveries), record, now - options.IdempotencyWindow);
        }
        catch (ConflictException) when (record is not null)
        {
            // Another process sharing the database stored the same key a moment earlier: answer as
            // a repeat of that request (or, if it has not committed yet, as one still in progress).
            return await store.FindIdempotencyAsync(orgId, record.Key, now - options.IdempotencyWindow) is { } stored
                ? Replay(stored, bodyHash)
                : PublishResult.Conflict(InProgress);
        }
        if (outcome.Existing is { } existing)
        {
            return Replay(existing, bodyHash);
        }
        metrics.EventAccepted(deliveries.Count);
        if (deliveries.Count > 0)
        {
            signal.Notify();
        }
        return PublishResult.Answer(202, response, replayed: false);
    }

    private static PublishResult Replay(IdempotencyRecord earlier, byte[] bodyHash) =>
        CryptographicOperations.FixedTimeEquals(earlier.BodyHash, bodyHash)
            ? PublishResult.Answer(earlier.Status, earlier.Response, replayed: true)
            : PublishResult.Invalid("Idempotency-Key", "was already used with a different request body");

    private async Task<(HeraldEvent? Event, List<string>? Targets)> ReadEventAsync(JsonBody body, string orgId, DateTimeOffset now, ValidationErrors errors)
    {
        var r = new ObjectReader(body.Object, "", errors, Fields);
        List<string>? targets = null;
        var type = r.String("type", required: true, maxLength: EventTypeMatcher.MaxLength, allowEmpty: false);
        if (type is not null)
        {
            if (!EventTypeMatcher.IsValidEventTypeName(type, out var typeError))
            {
                errors.Add("type", typeError ?? "is not a valid event type name");
            }
            else if (EventTypeMatcher.IsReserved(type))
            {
                errors.Add("type", "types starting with herald. (in any case) are published by Herald itself");
            }
        }
        ResourceRef? resource = null;
        if (r.Object("resource") is { } resourceObject)
        {
            var rr = new ObjectReader(resourceObject, "resource", errors, ["type", "id"]);
            var resourceType = rr.String("type", required: true, maxLength: 256, allowEmpty: false);
            var resourceId = rr.String("id", required: true, maxLength: 256, allowEmpty: false);
            if (resourceType is not null && resourceId is not null)
            {
                resource = new ResourceRef(resourceType, resourceId);
            }
        }
        string? triggeredBy = null;
        if (r.Object("triggered_by") is not null)
        {
            triggeredBy = body.Document.RootElement.GetProperty("triggered_by").GetRawText();
            if (triggeredBy.Length > 4096)
            {
                errors.Add("triggered_by", "must be at most 4 KiB of JSON");
            }
        }
        DateTimeOffset? occurredAt = null;
        if (r.String("occurred_at") is { } occurredText)
        {
            if (Times.TryParse(occurredText, out var occurred))
            {
                occurredAt = Times.Truncate(occurred);
            }
            else
            {
                errors.Add("occurred_at", "must be an RFC 3339 time with an offset, like 2017-06-29T05:15:19.136Z");
            }
        }
        byte[]? data = null;
        if (!body.Document.RootElement.TryGetProperty("data", out var dataElement))
        {
            errors.Add("data", "is required (any JSON value)");
        }
        else
        {
            // Kept as the exact bytes received: the raw format delivers them untouched.
            data = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(dataElement).ToArray();
        }
        if (r.Node("endpoints") is not null)
        {
            targets = r.StringArray("endpoints", MaxTargets, id => Ids.IsValid(id, Ids.Endpoint) ? null : "is not an endpoint id");
        }
        if (type is not null && data is not null && !errors.Any)
        {
            var entry = await eventTypes.FindAsync(orgId, type);
            if (entry.Schema is { } schema)
            {
                foreach (var violation in schema.Validate(dataElement.GetRawText()))
                {
                    errors.Add(violation.Path, violation.Message);
                }
            }
        }
        if (errors.Any || type is null || data is null)
        {
            return (null, targets);
        }
        now = Times.Truncate(now);
        return (new HeraldEvent(Ids.New(Ids.Event, now), orgId, type, resource, triggeredBy, occurredAt, now, data), targets);
    }

    private async Task<List<Endpoint>> MatchAsync(HeraldEvent evt, List<string>? targets, ValidationErrors errors)
    {
        var all = await endpoints.ForOrgAsync(evt.OrgId);
        if (targets is null)
        {
            return Fanout.Match(all, evt);
        }
        var candidates = new List<Endpoint>();
        for (var i = 0; i < targets.Count; i++)
        {
            var found = all.FirstOrDefault(e => e.Id == targets[i]);
            if (found is null)
            {
                // Unknown and foreign ids read the same: another tenant's ids are never confirmed.
                errors.Add(ValidationErrors.Index("endpoints", i), "is not an endpoint of your organization");
            }
            else if (!candidates.Contains(found))
            {
                candidates.Add(found);
            }
        }
        return Fanout.Match(candidates, evt);
    }

    /// <summary>Sends a <c>herald.ping</c> to one endpoint now, ignoring its filters, and returns the attempt.</summary>
    public async Task<Attempt> PingAsync(Endpoint endpoint, CancellationToken cancellationToken)
    {
        var now = Times.Truncate(time.GetUtcNow());
        var data = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["message"] = "Test event sent from Herald.",
            ["endpoint_id"] = endpoint.Id,
        });
        var evt = new HeraldEvent(Ids.New(Ids.Event, now), endpoint.OrgId, OperationalEvents.PingType, null, null, null, now, data);
        var deliveryId = Ids.New(Ids.Delivery, now);
        // The ping is stored already leased, so no worker can send it before this request does.
        await store.PublishAsync(new NewEvent(evt, [new NewDelivery(deliveryId, endpoint.Id) { Leased = true }]), null, now);
        metrics.EventAccepted(1);
        var claimed = new ClaimedDelivery(deliveryId, endpoint.OrgId, endpoint.Id, 0, 0, DeliveryStatus.Pending, evt) { DueAt = now };
        var attempt = await runner.RunAsync(claimed, endpoint, manual: false, cancellationToken);
        signal.Notify();
        return attempt;
    }
}

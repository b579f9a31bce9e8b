using Herald.Core.Model;
using Herald.Core.Policies;

namespace Herald.Storage;

/// <summary>A unique name (organization, endpoint, event type) is already taken.</summary>
public sealed class ConflictException(string message) : Exception(message);

/// <summary>An organization has reached a limit on how many of something it may have.</summary>
public sealed class LimitException(string message) : Exception(message);

/// <summary>An endpoint row; spec and secrets are sealed by the host before they reach storage.</summary>
public sealed record StoredEndpoint(
    string Id,
    string OrgId,
    string Name,
    bool Enabled,
    string? DisabledReason,
    bool CircuitOpen,
    byte[] Spec,
    byte[] Secrets,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The endpoint's ordering is fifo; its open deliveries follow it when it changes.</summary>
    public bool Fifo { get; init; }

    /// <summary>The endpoint's request timeout: a delivery's lease lasts this long plus a grace period.</summary>
    public long TimeoutMs { get; init; } = 60_000;
}

/// <summary>One page of a list, newest first, and the cursor of the next page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Search criteria of <c>GET /v1/events</c>.</summary>
public sealed record EventQuery(string? Type, string? ResourceType, string? ResourceId, DateTimeOffset? Since, DateTimeOffset? Until, string? Cursor, int Limit);

/// <summary>Search criteria of <c>GET /v1/deliveries</c>.</summary>
public sealed record DeliveryQuery(string? EndpointId, string? EventId, DeliveryStatus? Status, DateTimeOffset? Since, DateTimeOffset? Until, string? Cursor, int Limit);

/// <summary>What a publish stores with its event so a repeated request can be answered identically.</summary>
public sealed record IdempotencyRecord(string Key, byte[] BodyHash, int Status, byte[] Response);

/// <summary>The outcome of storing a publish: the idempotency record found instead, if the key was already used.</summary>
public sealed record PublishOutcome(IdempotencyRecord? Existing);

/// <summary>An event and the deliveries it fans out to, stored together in one transaction.</summary>
public sealed record NewEvent(HeraldEvent Event, IReadOnlyList<NewDelivery> Deliveries);

/// <summary>A delivery to create, pending and due at once; or already leased by the creating request (a ping).</summary>
public sealed record NewDelivery(string Id, string EndpointId)
{
    public bool Leased { get; init; }

    /// <summary>When it is first due, if not at once: a deferred endpoint's next interval.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>Sent one at a time, in publish order, with the endpoint's other FIFO deliveries.</summary>
    public bool Fifo { get; init; }
}

/// <summary>A delivery a worker holds a lease on, with its event.</summary>
public sealed record ClaimedDelivery(
    string Id,
    string OrgId,
    string EndpointId,
    int AttemptCount,
    int ScheduledFailures,
    DeliveryStatus PreviousStatus,
    HeraldEvent Event)
{
    /// <summary>When it was due before the claim: a manual attempt on a pending delivery leaves this schedule as it was.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>The deferred batch it is sent in; the batch id is the request's webhook-id on every retry.</summary>
    public string? BatchId { get; init; }
}

/// <summary>What the rate limiter decided: send now, or the delivery was put back until about its turn.</summary>
public enum SlotDecision
{
    SendNow,
    Deferred,
}

/// <summary>What one attempt did to its delivery: written with the attempt in one transaction.</summary>
/// <param name="DisabledNotice">
/// Builds the <c>herald.endpoint.disabled</c> event for the reason decided; called only when the
/// attempt disables its endpoint, in the transaction that does.
/// </param>
public sealed record AttemptOutcome(
    Attempt Attempt,
    DeliveryStatus Status,
    int ScheduledFailures,
    DateTimeOffset? NextAttemptAt,
    EndpointHealth? Health = null,
    Func<string, NewEvent>? DisabledNotice = null);

/// <summary>
/// What one request says about its endpoint's health, and the settings to judge it by. Counted once
/// per request, so a failed batch is one failure.
/// </summary>
public sealed record EndpointHealth(string OrgId, string EndpointId, RequestVerdict Verdict, HealthPolicy Policy);

/// <summary>How an attempt changed its endpoint's standing.</summary>
public enum HealthChange
{
    None,
    CircuitOpened,
    CircuitClosed,
    Disabled,
}

namespace Herald.Core.Model;

/// <summary>The thing an event is about (<c>{type, id}</c>), used for entity-type matching and search.</summary>
public sealed record ResourceRef(string Type, string Id);

/// <summary>
/// One published occurrence. <see cref="Data"/> holds the exact bytes of the published <c>data</c> value:
/// the raw format delivers them byte for byte (CyberTracker observations).
/// </summary>
public sealed record HeraldEvent(
    string Id,
    string OrgId,
    string Type,
    ResourceRef? Resource,
    string? TriggeredByJson,
    DateTimeOffset? OccurredAt,
    DateTimeOffset CreatedAt,
    byte[] Data);

/// <summary>A catalogued event type, optionally with a JSON Schema its <c>data</c> must satisfy.</summary>
public sealed record EventType(string OrgId, string Name, string Description, string? SchemaJson, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>Lifecycle of one event × endpoint pair.</summary>
public enum DeliveryStatus
{
    Pending,
    Delivering,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>API spelling of <see cref="DeliveryStatus"/>.</summary>
public static class DeliveryStatuses
{
    public static string Name(DeliveryStatus status) => status switch
    {
        DeliveryStatus.Pending => "pending",
        DeliveryStatus.Delivering => "delivering",
        DeliveryStatus.Succeeded => "succeeded",
        DeliveryStatus.Failed => "failed",
        _ => "cancelled",
    };

    public static bool TryParse(string? text, out DeliveryStatus status)
    {
        foreach (var candidate in Enum.GetValues<DeliveryStatus>())
        {
            if (Name(candidate) == text)
            {
                status = candidate;
                return true;
            }
        }
        status = default;
        return false;
    }
}

/// <summary>A delivery as the API shows it.</summary>
public sealed record Delivery(
    string Id,
    string OrgId,
    string EventId,
    string EndpointId,
    DeliveryStatus Status,
    int AttemptCount,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>One HTTP request of a delivery and what came back. Header values are already masked.</summary>
public sealed record Attempt(
    string Id,
    string DeliveryId,
    DateTimeOffset StartedAt,
    int DurationMs,
    AttemptRequest Request,
    AttemptResponse? Response,
    string? Error);

/// <summary>The request as sent (or as it would have been sent), secrets masked.</summary>
public sealed record AttemptRequest(string Method, string Url, IReadOnlyDictionary<string, string> Headers);

/// <summary>The receiver's answer; <see cref="Body"/> is truncated to a few KiB.</summary>
public sealed record AttemptResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body);

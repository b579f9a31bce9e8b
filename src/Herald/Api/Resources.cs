using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core;
using Herald.Core.Model;

namespace Herald.Api;

// The API's response shapes. Serialized in snake_case; they are also what the
// OpenAPI document describes.

public sealed record OrgResource(string Id, string Name, string CreatedAt)
{
    public static OrgResource From(Organization o) => new(o.Id, o.Name, Times.Format(o.CreatedAt));
}

public sealed record OrgCreated(string Id, string Name, string CreatedAt, string AdminKey);

public sealed record KeyResource(string Id, string Name, string Role, string CreatedAt, string? LastUsedAt)
{
    public static KeyResource From(ApiKey k) => new(k.Id, k.Name, Roles.Name(k.Role), Times.Format(k.CreatedAt), Times.Format(k.LastUsedAt));
}

public sealed record KeyCreated(string Id, string Name, string Role, string CreatedAt, string Key);

public sealed record EventTypeResource(string Name, string Description, JsonNode? Schema, string CreatedAt, string UpdatedAt)
{
    public static EventTypeResource From(EventType t) => new(
        t.Name, t.Description, t.SchemaJson is null ? null : JsonNode.Parse(t.SchemaJson), Times.Format(t.CreatedAt), Times.Format(t.UpdatedAt));
}

public sealed record ResourceRefResource(string Type, string Id);

public sealed record EventResource(
    string Id,
    string Type,
    ResourceRefResource? Resource,
    JsonElement? TriggeredBy,
    string? OccurredAt,
    string CreatedAt,
    JsonElement Data)
{
    public static EventResource From(HeraldEvent e) => new(
        e.Id, e.Type,
        e.Resource is null ? null : new ResourceRefResource(e.Resource.Type, e.Resource.Id),
        e.TriggeredByJson is null ? null : JsonDocument.Parse(e.TriggeredByJson).RootElement,
        Times.Format(e.OccurredAt), Times.Format(e.CreatedAt),
        JsonDocument.Parse(e.Data).RootElement);
}

public sealed record PublishAccepted(string Id, string Type, string CreatedAt, int Deliveries);

public sealed record DeliveryResource(
    string Id,
    string EventId,
    string EndpointId,
    string Status,
    int AttemptCount,
    string? NextAttemptAt,
    string CreatedAt,
    string UpdatedAt)
{
    public static DeliveryResource From(Core.Model.Delivery d) => new(
        d.Id, d.EventId, d.EndpointId, DeliveryStatuses.Name(d.Status), d.AttemptCount,
        d.Status == DeliveryStatus.Pending ? Times.Format(d.NextAttemptAt) : null,
        Times.Format(d.CreatedAt), Times.Format(d.UpdatedAt));
}

public sealed record DeliveryDetail(
    string Id,
    string EventId,
    string EndpointId,
    string Status,
    int AttemptCount,
    string? NextAttemptAt,
    string CreatedAt,
    string UpdatedAt,
    IReadOnlyList<AttemptResource> Attempts)
{
    public static DeliveryDetail From(Core.Model.Delivery d, IEnumerable<Attempt> attempts)
    {
        var r = DeliveryResource.From(d);
        return new(r.Id, r.EventId, r.EndpointId, r.Status, r.AttemptCount, r.NextAttemptAt, r.CreatedAt, r.UpdatedAt,
            [.. attempts.Select(AttemptResource.From)]);
    }
}

public sealed record AttemptRequestResource(string Method, string Url, IReadOnlyDictionary<string, string> Headers);

public sealed record AttemptResponseResource(int Status, IReadOnlyDictionary<string, string> Headers, string Body);

public sealed record AttemptResource(
    string Id,
    string DeliveryId,
    string StartedAt,
    int DurationMs,
    AttemptRequestResource Request,
    AttemptResponseResource? Response,
    string? Error)
{
    public static AttemptResource From(Attempt a) => new(
        a.Id, a.DeliveryId, Times.Format(a.StartedAt), a.DurationMs,
        new AttemptRequestResource(a.Request.Method, a.Request.Url, a.Request.Headers),
        a.Response is null ? null : new AttemptResponseResource(a.Response.Status, a.Response.Headers, a.Response.Body),
        a.Error);
}

public sealed record RecoverAccepted(int Requeued);

public sealed record ListResponse<T>(IReadOnlyList<T> Data, string? NextCursor);

using System.Text.Json;
using Herald.Core;
using Herald.Core.Model;
using Herald.Core.Validation;
using Herald.Engine.Publishing;
using Herald.Storage;
using Herald.Storage.Ports;

namespace Herald.Api;

/// <summary>Publishing and searching events.</summary>
public static class EventsApi
{
    public sealed record PublishRequest(
        string Type,
        ResourceRefResource? Resource,
        System.Text.Json.JsonElement? TriggeredBy,
        string? OccurredAt,
        System.Text.Json.JsonElement Data,
        IReadOnlyList<string>? Endpoints);

    public static void MapEventsApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/events").WithTags("Events");
        group.MapPost("", Publish)
            .Require(Role.Publisher).Accepts<PublishRequest>("application/json").Produces<PublishAccepted>(202);
        group.MapGet("", List).Require(Role.Viewer).Produces<ListResponse<EventResource>>();
        group.MapGet("/{id}", Get).Require(Role.Viewer).Produces<EventResource>();
        group.MapGet("/{id}/deliveries", Deliveries).Require(Role.Viewer).Produces<ListResponse<DeliveryResource>>();
    }

    /// <summary>The engine publishes; this reads the body with the size limit and maps the outcome to HTTP.</summary>
    private static async Task<IResult> Publish(HttpContext context, Publisher publisher, HeraldOptions options)
    {
        IResult? unread = null;
        var result = await publisher.PublishAsync(
            context.Caller().OrgId,
            context.Request.Headers["Idempotency-Key"].ToString(),
            async () =>
            {
                var (raw, problem) = await RequestBody.ReadBytesAsync(context, options.MaxPayload);
                unread = problem;
                return raw;
            },
            (evt, deliveries) => JsonSerializer.SerializeToUtf8Bytes(new PublishAccepted(evt.Id, evt.Type, Times.Format(evt.CreatedAt), deliveries), ApiJson.Options));
        return result.Outcome switch
        {
            PublishStatus.Answered => new StoredJsonResult(result.Status, result.Response!, result.Replayed),
            PublishStatus.Unread => unread!,
            PublishStatus.Malformed => Problems.BadRequest(result.Detail!),
            PublishStatus.Conflict => Problems.Conflict(result.Detail!),
            _ => result.Detail is { } detail ? Problems.Validation(result.Errors!, detail) : Problems.Validation(result.Errors!),
        };
    }

    private static async Task<IResult> List(HttpContext context, IEventStore store)
    {
        var errors = new ValidationErrors();
        var p = Paging.Read(context.Request, errors);
        var resourceId = Paging.Query(context.Request, "resource_id");
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        var query = new EventQuery(Paging.Query(context.Request, "type"), Paging.Query(context.Request, "resource_type"), resourceId,
            p.Since, p.Until, p.Cursor, p.Limit);
        return ApiJson.Ok(Paging.Page(await store.ListEventsAsync(context.Caller().OrgId, query), e => EventResource.From(e)));
    }

    private static async Task<IResult> Get(HttpContext context, string id, IEventStore store) =>
        await store.GetEventAsync(context.Caller().OrgId, id) is { } evt ? ApiJson.Ok(EventResource.From(evt)) : Problems.NotFound("event");

    private static async Task<IResult> Deliveries(HttpContext context, string id, IEventStore store, IMonitoringReads reads)
    {
        var orgId = context.Caller().OrgId;
        if (await store.GetEventAsync(orgId, id) is null)
        {
            return Problems.NotFound("event");
        }
        var errors = new ValidationErrors();
        var p = Paging.Read(context.Request, errors);
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        var page = await reads.ListDeliveriesAsync(orgId, new DeliveryQuery(null, id, null, p.Since, p.Until, p.Cursor, p.Limit));
        return ApiJson.Ok(Paging.Page(page, d => DeliveryResource.From(d)));
    }

    /// <summary>Answers with a stored status and body, byte for byte: a replay is identical to the first answer.</summary>
    private sealed class StoredJsonResult(int status, byte[] body, bool replayed) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = "application/json";
            if (replayed)
            {
                httpContext.Response.Headers["Idempotent-Replayed"] = "true";
            }
            await httpContext.Response.Body.WriteAsync(body);
        }
    }
}

using Herald.Core.Model;
using Herald.Core.Validation;
using Herald.Engine.Delivery;
using Herald.Storage;
using Herald.Storage.Ports;

namespace Herald.Api;

/// <summary>Deliveries and their attempt log.</summary>
public static class DeliveriesApi
{
    public static void MapDeliveriesApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/deliveries").WithTags("Deliveries");
        group.MapGet("", List).Require(Role.Viewer).Produces<ListResponse<DeliveryResource>>();
        group.MapGet("/{id}", Get).Require(Role.Viewer).Produces<DeliveryDetail>();
        group.MapPost("/{id}/retry", Retry).Require(Role.Admin).Produces<DeliveryResource>(202);
    }

    private static async Task<IResult> List(HttpContext context, IMonitoringReads store)
    {
        var errors = new ValidationErrors();
        var p = Paging.Read(context.Request, errors);
        DeliveryStatus? status = null;
        if (Paging.Query(context.Request, "status") is { } statusText)
        {
            if (DeliveryStatuses.TryParse(statusText, out var parsed))
            {
                status = parsed;
            }
            else
            {
                errors.Add("status", "must be pending, delivering, succeeded, failed or cancelled");
            }
        }
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        var query = new DeliveryQuery(Paging.Query(context.Request, "endpoint_id"), Paging.Query(context.Request, "event_id"), status,
            p.Since, p.Until, p.Cursor, p.Limit);
        return ApiJson.Ok(Paging.Page(await store.ListDeliveriesAsync(context.Caller().OrgId, query), d => DeliveryResource.From(d)));
    }

    private static async Task<IResult> Get(HttpContext context, string id, IMonitoringReads store) =>
        await store.GetDeliveryAsync(context.Caller().OrgId, id) is { } delivery
            ? ApiJson.Ok(DeliveryDetail.From(delivery, await store.ListAttemptsAsync(delivery.Id)))
            : Problems.NotFound("delivery");

    /// <summary>One attempt now, outside the schedule; it does not use up a scheduled one.</summary>
    private static async Task<IResult> Retry(HttpContext context, string id, IMonitoringReads store, ManualRetry retry)
    {
        var orgId = context.Caller().OrgId;
        var outcome = await retry.RunAsync(orgId, id);
        if (!outcome.Found)
        {
            return Problems.NotFound("delivery");
        }
        if (outcome.Refused is { } reason)
        {
            return Problems.Conflict(reason);
        }
        return ApiJson.Ok(DeliveryResource.From((await store.GetDeliveryAsync(orgId, id))!), 202);
    }
}

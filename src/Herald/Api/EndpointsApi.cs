using System.Text.Json.Nodes;
using Herald.Core;
using Herald.Core.Endpoints;
using Herald.Core.Model;
using Herald.Core.Validation;
using Herald.Engine.Delivery;
using Herald.Engine.Publishing;
using Herald.Hosting;
using Herald.Storage;
using Herald.Storage.Ports;
using Herald.Core.Templates;

namespace Herald.Api;

/// <summary>Endpoints: named, reusable recipients.</summary>
public static class EndpointsApi
{
    public static void MapEndpointsApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/endpoints").WithTags("Endpoints");
        group.MapPost("", Create).Require(Role.Admin).Accepts<EndpointDocument>("application/json").Produces<EndpointDocument>(201);
        group.MapGet("", List).Require(Role.Viewer).Produces<ListResponse<EndpointDocument>>();
        group.MapGet("/{id}", Get).Require(Role.Viewer).Produces<EndpointDocument>();
        group.MapPut("/{id}", Replace).Require(Role.Admin).Accepts<EndpointDocument>("application/json").Produces<EndpointDocument>();
        group.MapPatch("/{id}", Patch).Require(Role.Admin).Accepts<EndpointDocument>("application/merge-patch+json", "application/json").Produces<EndpointDocument>();
        group.MapDelete("/{id}", Delete).Require(Role.Admin).Produces(204);
        group.MapPost("/{id}/enable", (HttpContext c, string id, IEndpointStore s, EndpointCatalog cat) => SetEnabled(c, id, true, s, cat))
            .Require(Role.Admin).Produces<EndpointDocument>();
        group.MapPost("/{id}/disable", (HttpContext c, string id, IEndpointStore s, EndpointCatalog cat) => SetEnabled(c, id, false, s, cat))
            .Require(Role.Admin).Produces<EndpointDocument>();
        group.MapPost("/{id}/recover", Recover).Require(Role.Admin).Accepts<RecoverRequest>("application/json").Produces<RecoverAccepted>(202);
        group.MapPost("/{id}/secret/rotate", Rotate).Require(Role.Admin).Produces<EndpointDocument>();
        group.MapPost("/{id}/test", Test).Require(Role.Admin).Produces<AttemptResource>();
    }

    public sealed record RecoverRequest(string Since, string? Until);

    private static async Task<IResult> Create(HttpContext context, IEndpointStore store, EndpointCatalog catalog, TargetGuard guard, HeraldOptions options, TimeProvider time)
    {
        var (body, problem) = await RequestBody.ReadObjectAsync(context, RequestBody.DefaultLimit);
        if (problem is not null)
        {
            return problem;
        }
        using (body)
        {
            return await CreateEndpointAsync(context, body!.Object, store, catalog, guard, options, time);
        }
    }

    /// <summary>
    /// Creates an endpoint from an endpoint body with the validation, SSRF check and storage of
    /// POST /v1/endpoints; applink import builds such a body and comes through here too.
    /// <paramref name="relocate"/> moves each validation error to the field of the caller's request
    /// that supplied the value (path, message → path, message).
    /// </summary>
    internal static async Task<IResult> CreateEndpointAsync(
        HttpContext context, JsonObject body, IEndpointStore store, EndpointCatalog catalog, TargetGuard guard, HeraldOptions options, TimeProvider time,
        Func<string, string, (string Path, string Message)>? relocate = null)
    {
        var result = await EndpointWriter.SaveAsync(context.Caller().OrgId, null, body, store, catalog, guard, options, time, context.RequestAborted);
        if (result.Invalid is { } errors)
        {
            return Problems.Validation(relocate is null ? errors : Relocate(errors, relocate));
        }
        if (result.Refused is { } refused)
        {
            var (path, message) = relocate?.Invoke(refused.Path, refused.Message) ?? refused;
            return Problems.Validation(path, message);
        }
        if (result.Conflict is { } conflict)
        {
            return Problems.Conflict(conflict);
        }
        if (result.Limit is { } limit)
        {
            return Problems.Status(422, "Unprocessable Content", limit);
        }
        // The only response that carries the secret, besides rotate (SysTrack: shown once).
        return ApiJson.Ok(EndpointView.ToResource(result.Saved!, result.Secret), 201);
    }

    private static ValidationErrors Relocate(ValidationErrors errors, Func<string, string, (string Path, string Message)> relocate)
    {
        var moved = new ValidationErrors();
        foreach (var (path, messages) in errors.Items)
        {
            foreach (var message in messages)
            {
                var (to, text) = relocate(path, message);
                moved.Add(to, text);
            }
        }
        return moved;
    }

    private static async Task<IResult> List(HttpContext context, IEndpointStore store, EndpointCatalog catalog)
    {
        var errors = new ValidationErrors();
        var p = Paging.Read(context.Request, errors);
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        var page = await store.ListEndpointsAsync(context.Caller().OrgId, p.Cursor, p.Limit);
        return ApiJson.Ok(Paging.Page(page, e => EndpointView.ToResource(catalog.Open(e), null)));
    }

    private static async Task<IResult> Get(HttpContext context, string id, EndpointCatalog catalog) =>
        await catalog.FindAsync(context.Caller().OrgId, id) is { } endpoint
            ? ApiJson.Ok(EndpointView.ToResource(endpoint, null))
            : Problems.NotFound("endpoint");

    private static async Task<IResult> Replace(HttpContext context, string id, IEndpointStore store, EndpointCatalog catalog, TargetGuard guard, HeraldOptions options, TimeProvider time)
    {
        var existing = await catalog.FindAsync(context.Caller().OrgId, id);
        if (existing is null)
        {
            return Problems.NotFound("endpoint");
        }
        var (body, problem) = await RequestBody.ReadObjectAsync(context, RequestBody.DefaultLimit);
        if (problem is not null)
        {
            return problem;
        }
        using (body)
        {
            return await SaveAsync(context, existing, body!.Object, store, catalog, guard, options, time);
        }
    }

    private static async Task<IResult> Patch(HttpContext context, string id, IEndpointStore store, EndpointCatalog catalog, TargetGuard guard, HeraldOptions options, TimeProvider time)
    {
        var existing = await catalog.FindAsync(context.Caller().OrgId, id);
        if (existing is null)
        {
            return Problems.NotFound("endpoint");
        }
        var (body, problem) = await RequestBody.ReadObjectAsync(context, RequestBody.DefaultLimit, mergePatch: true);
        if (problem is not null)
        {
            return problem;
        }
        using (body)
        {
            // RFC 7396 onto the resource as GET shows it: masked values in it resolve to the stored ones.
            var current = EndpointView.SpecToJson(existing.Spec, mask: true);
            var merged = (JsonObject)MergePatch.Apply(current, body!.Object)!;
            return await SaveAsync(context, existing, merged, store, catalog, guard, options, time);
        }
    }

    private static async Task<IResult> SaveAsync(HttpContext context, Endpoint existing, JsonObject body, IEndpointStore store, EndpointCatalog catalog, TargetGuard guard, HeraldOptions options, TimeProvider time)
    {
        var result = await EndpointWriter.SaveAsync(existing.OrgId, existing, body, store, catalog, guard, options, time, context.RequestAborted);
        return result switch
        {
            { Invalid: { } errors } => Problems.Validation(errors),
            { Refused: { } refused } => Problems.Validation(refused.Path, refused.Message),
            { Conflict: { } conflict } => Problems.Conflict(conflict),
            { Saved: { } saved } => ApiJson.Ok(EndpointView.ToResource(saved, result.Secret)),
            _ => Problems.NotFound("endpoint"),
        };
    }

    private static async Task<IResult> Delete(HttpContext context, string id, IEndpointStore store) =>
        await store.DeleteEndpointAsync(context.Caller().OrgId, id) ? Results.NoContent() : Problems.NotFound("endpoint");

    private static async Task<IResult> SetEnabled(HttpContext context, string id, bool enabled, IEndpointStore store, EndpointCatalog catalog)
    {
        var stored = await store.SetEndpointEnabledAsync(context.Caller().OrgId, id, enabled, enabled ? null : "Disabled through the API.");
        return stored is null ? Problems.NotFound("endpoint") : ApiJson.Ok(EndpointView.ToResource(catalog.Open(stored), null));
    }

    private static async Task<IResult> Recover(HttpContext context, string id, IDeliveryQueue store, EndpointCatalog catalog, DispatchSignal signal, TimeProvider time)
    {
        var endpoint = await catalog.FindAsync(context.Caller().OrgId, id);
        if (endpoint is null)
        {
            return Problems.NotFound("endpoint");
        }
        var (body, problem) = await RequestBody.ReadObjectAsync(context, RequestBody.DefaultLimit);
        if (problem is not null)
        {
            return problem;
        }
        using (body)
        {
            var errors = new ValidationErrors();
            var r = new ObjectReader(body!.Object, "", errors, ["since", "until"]);
            var since = ReadTime(r, "since", required: true);
            var until = ReadTime(r, "until", required: false) ?? time.GetUtcNow();
            if (since is { } s && until <= s)
            {
                errors.Add("until", "must be later than since");
            }
            if (errors.Any)
            {
                return Problems.Validation(errors);
            }
            var requeued = await store.RecoverAsync(endpoint.OrgId, endpoint.Id, endpoint.Spec.Enabled, since!.Value, until);
            signal.Notify();
            return ApiJson.Ok(new RecoverAccepted(requeued), 202);
        }
    }

    private static DateTimeOffset? ReadTime(ObjectReader r, string name, bool required)
    {
        var text = r.String(name, required);
        if (text is null)
        {
            return null;
        }
        if (!Times.TryParse(text, out var time))
        {
            r.Errors.Add(name, "must be an RFC 3339 time with an offset, like 2026-11-22T23:15:00.000Z");
            return null;
        }
        return time;
    }

    private static async Task<IResult> Rotate(HttpContext context, string id, IEndpointStore store, EndpointCatalog catalog, HeraldOptions options, TimeProvider time)
    {
        var endpoint = await catalog.FindAsync(context.Caller().OrgId, id);
        if (endpoint is null)
        {
            return Problems.NotFound("endpoint");
        }
        if (SecretRotation.Rotate(endpoint, time.GetUtcNow(), options.RotationOverlap) is not var (rotated, secret))
        {
            return Problems.Conflict(SecretRotation.NothingToRotate);
        }
        if (await store.UpdateEndpointAsync(catalog.Seal(rotated)) is null)
        {
            return Problems.NotFound("endpoint");
        }
        return ApiJson.Ok(EndpointView.ToResource(rotated, secret));
    }

    private static async Task<IResult> Test(HttpContext context, string id, EndpointCatalog catalog, Publisher publisher)
    {
        var endpoint = await catalog.FindAsync(context.Caller().OrgId, id);
        if (endpoint is null)
        {
            return Problems.NotFound("endpoint");
        }
        var attempt = await publisher.PingAsync(endpoint, context.RequestAborted);
        return ApiJson.Ok(AttemptResource.From(attempt));
    }
}

/// <summary>The endpoint body and resource, for the OpenAPI document.</summary>
public sealed record EndpointDocument(
    string? Id,
    string Name,
    string Url,
    string? Method,
    string? Description,
    IReadOnlyList<string>? EventTypes,
    IReadOnlyList<string>? EntityTypes,
    JsonObject? Filter,
    EndpointDocument.AuthDocument? Auth,
    EndpointDocument.SignatureDocument? Signature,
    IReadOnlyList<EndpointDocument.HeaderDocument>? Headers,
    string? Format,
    string? Template,
    string? SourceFieldKey,
    string? DestinationFieldKey,
    EndpointDocument.RetryDocument? Retry,
    EndpointDocument.DeliveryDocument? Delivery,
    string? Timeout,
    double? RateLimit,
    string? Ordering,
    bool? Enabled,
    JsonObject? Metadata,
    string? CreatedAt,
    string? UpdatedAt,
    bool? Insecure,
    string? Circuit,
    string? DisabledReason)
{
    public sealed record AuthDocument(string Type, string? Username, string? Password);

    public sealed record SignatureDocument(string? Scheme, string? Secret, string? Header, string? SecretHint);

    public sealed record HeaderDocument(string Name, string Value, bool? Sensitive);

    public sealed record RetryDocument(IReadOnlyList<string>? Schedule, double? Jitter);

    public sealed record DeliveryDocument(string? Mode, string? Interval, bool? Batch);
}

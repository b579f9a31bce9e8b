using System.Text.Json;
using Herald.Core;
using Herald.Core.Model;
using Herald.Core.Validation;
using Herald.Core.Schemas;
using Herald.Engine.Publishing;
using Herald.Storage;
using Herald.Storage.Ports;

namespace Herald.Api;

public static class EventTypesApi
{
    public sealed record EventTypeCreate(string Name, string? Description, JsonElement? Schema);

    public sealed record EventTypeReplace(string? Description, JsonElement? Schema);

    public static void MapEventTypesApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/event-types").WithTags("Event types");
        group.MapPost("", Create).Require(Role.Admin).Accepts<EventTypeCreate>("application/json").Produces<EventTypeResource>(201);
        group.MapGet("", List).Require(Role.Viewer).Produces<ListResponse<EventTypeResource>>();
        group.MapGet("/{name}", Get).Require(Role.Viewer).Produces<EventTypeResource>();
        group.MapPut("/{name}", Replace).Require(Role.Admin).Accepts<EventTypeReplace>("application/json").Produces<EventTypeResource>();
        group.MapDelete("/{name}", Delete).Require(Role.Admin).Produces(204);
    }

    private static async Task<IResult> Create(HttpContext context, ITenancyStore store, EventTypeCatalog catalog)
    {
        var (body, problem) = await RequestBody.ReadObjectAsync(context, RequestBody.DefaultLimit);
        if (problem is not null)
        {
            return problem;
        }
        using (body)
        {
            var errors = new ValidationErrors();
            var r = new ObjectReader(body!.Object, "", errors, ["name", "description", "schema"]);
            var name = r.String("name", required: true, maxLength: EventTypeMatcher.MaxLength, allowEmpty: false);
            if (name is not null)
            {
                CheckName(name, errors);
            }
            var (description, schema) = ReadDefinition(r);
            if (errors.Any)
            {
                return Problems.Validation(errors);
            }
            try
            {
                var created = await store.CreateEventTypeAsync(context.Caller().OrgId, name!, description, schema);
                catalog.Invalidate(created.OrgId, created.Name);
                return ApiJson.Ok(EventTypeResource.From(created), 201);
            }
            catch (ConflictException e)
            {
                return Problems.Conflict(e.Message);
            }
        }
    }

    private static void CheckName(string name, ValidationErrors errors)
    {
        if (!EventTypeMatcher.IsValidEventTypeName(name, out var error))
        {
            errors.Add("name", error ?? "is not a valid event type name");
        }
        else if (EventTypeMatcher.IsReserved(name))
        {
            errors.Add("name", "names starting with herald. (in any case) are reserved for Herald's own events");
        }
    }

    /// <summary>Reads description and schema; a schema that is not valid JSON Schema is 422 with the reasons.</summary>
    private static (string Description, string? Schema) ReadDefinition(ObjectReader r)
    {
        var description = r.String("description", maxLength: 2000) ?? "";
        string? schema = null;
        if (r.Node("schema") is { } node)
        {
            schema = node.ToJsonString();
            if (schema.Length > 256 * 1024)
            {
                r.Errors.Add("schema", "must be at most 256 KiB");
            }
            else if (!EventSchema.TryCompile(schema, out _, out var problems))
            {
                foreach (var problem in problems)
                {
                    r.Errors.Add("schema", problem);
                }
            }
        }
        return (description, schema);
    }

    private static async Task<IResult> List(HttpContext context, ITenancyStore store)
    {
        var errors = new ValidationErrors();
        var p = Paging.Read(context.Request, errors);
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        return ApiJson.Ok(Paging.Page(await store.ListEventTypesAsync(context.Caller().OrgId, p.Cursor, p.Limit), t => EventTypeResource.From(t)));
    }

    private static async Task<IResult> Get(HttpContext context, string name, ITenancyStore store) =>
        await store.GetEventTypeAsync(context.Caller().OrgId, name) is { } type
            ? ApiJson.Ok(EventTypeResource.From(type))
            : Problems.Status(404, "Not Found", $"No event type named '{name}' is catalogued in your organization.");

    private static async Task<IResult> Replace(HttpContext context, string name, ITenancyStore store, EventTypeCatalog catalog)
    {
        var (body, problem) = await RequestBody.ReadObjectAsync(context, RequestBody.DefaultLimit);
        if (problem is not null)
        {
            return problem;
        }
        using (body)
        {
            var errors = new ValidationErrors();
            var r = new ObjectReader(body!.Object, "", errors, ["name", "description", "schema"], ["created_at", "updated_at"]);
            if (r.String("name") is { } bodyName && bodyName != name)
            {
                errors.Add("name", "cannot be changed: create a new event type instead");
            }
            var (description, schema) = ReadDefinition(r);
            if (errors.Any)
            {
                return Problems.Validation(errors);
            }
            var updated = await store.ReplaceEventTypeAsync(context.Caller().OrgId, name, description, schema);
            catalog.Invalidate(context.Caller().OrgId, name);
            return updated is null
                ? Problems.Status(404, "Not Found", $"No event type named '{name}' is catalogued in your organization.")
                : ApiJson.Ok(EventTypeResource.From(updated));
        }
    }

    private static async Task<IResult> Delete(HttpContext context, string name, ITenancyStore store, EventTypeCatalog catalog)
    {
        var deleted = await store.DeleteEventTypeAsync(context.Caller().OrgId, name);
        catalog.Invalidate(context.Caller().OrgId, name);
        return deleted ? Results.NoContent() : Problems.Status(404, "Not Found", $"No event type named '{name}' is catalogued in your organization.");
    }
}

using Herald.Core;
using Herald.Core.Model;
using Herald.Core.Validation;
using Herald.Storage;
using Herald.Storage.Ports;

namespace Herald.Api;

/// <summary>Organizations (operator only) and API keys (admins of one organization).</summary>
public static class OrgsApi
{
    public static void MapOrgsApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/orgs", CreateOrg).RequireOperator().WithTags("Organizations")
            .Accepts<OrgCreate>("application/json").Produces<OrgCreated>(201);
        v1.MapGet("/orgs", ListOrgs).RequireOperator().WithTags("Organizations")
            .Produces<ListResponse<OrgResource>>();

        v1.MapPost("/keys", CreateKey).Require(Role.Admin).WithTags("API keys")
            .Accepts<KeyCreate>("application/json").Produces<KeyCreated>(201);
        v1.MapGet("/keys", ListKeys).Require(Role.Admin).WithTags("API keys")
            .Produces<ListResponse<KeyResource>>();
        v1.MapDelete("/keys/{id}", DeleteKey).Require(Role.Admin).WithTags("API keys").Produces(204);
    }

    public sealed record OrgCreate(string Name);

    public sealed record KeyCreate(string Name, string Role);

    private static async Task<IResult> CreateOrg(HttpContext context, ITenancyStore store)
    {
        var (body, problem) = await RequestBody.ReadObjectAsync(context, RequestBody.DefaultLimit);
        if (problem is not null)
        {
            return problem;
        }
        using (body)
        {
            var errors = new ValidationErrors();
            var r = new ObjectReader(body!.Object, "", errors, ["name"]);
            var name = r.String("name", required: true, maxLength: 200, allowEmpty: false)?.Trim();
            if (name is { Length: 0 })
            {
                errors.Add("name", "must not be blank");
            }
            if (errors.Any)
            {
                return Problems.Validation(errors);
            }
            Organization org;
            try
            {
                org = await store.CreateOrgAsync(name!);
            }
            catch (ConflictException e)
            {
                return Problems.Conflict(e.Message);
            }
            var token = ApiKeys.NewToken();
            await store.CreateKeyAsync(org.Id, "admin", Role.Admin, isOperator: false, ApiKeys.Hash(token));
            return ApiJson.Ok(new OrgCreated(org.Id, org.Name, Times.Format(org.CreatedAt), token), 201);
        }
    }

    private static async Task<IResult> ListOrgs(HttpContext context, ITenancyStore store)
    {
        var errors = new ValidationErrors();
        var p = Paging.Read(context.Request, errors);
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        return ApiJson.Ok(Paging.Page(await store.ListOrgsAsync(p.Cursor, p.Limit), o => OrgResource.From(o)));
    }

    private static async Task<IResult> CreateKey(HttpContext context, ITenancyStore store)
    {
        var (body, problem) = await RequestBody.ReadObjectAsync(context, RequestBody.DefaultLimit);
        if (problem is not null)
        {
            return problem;
        }
        using (body)
        {
            var errors = new ValidationErrors();
            var r = new ObjectReader(body!.Object, "", errors, ["name", "role"]);
            var name = r.String("name", required: true, maxLength: 200, allowEmpty: false);
            var roleText = r.String("role", required: true);
            var role = Role.Viewer;
            if (roleText is not null && !Roles.TryParse(roleText, out role))
            {
                errors.Add("role", "must be admin, publisher or viewer");
            }
            if (errors.Any)
            {
                return Problems.Validation(errors);
            }
            var token = ApiKeys.NewToken();
            var key = await store.CreateKeyAsync(context.Caller().OrgId, name!, role, isOperator: false, ApiKeys.Hash(token));
            return ApiJson.Ok(new KeyCreated(key.Id, key.Name, Roles.Name(key.Role), Times.Format(key.CreatedAt), token), 201);
        }
    }

    private static async Task<IResult> ListKeys(HttpContext context, ITenancyStore store)
    {
        var errors = new ValidationErrors();
        var p = Paging.Read(context.Request, errors);
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        return ApiJson.Ok(Paging.Page(await store.ListKeysAsync(context.Caller().OrgId, p.Cursor, p.Limit), k => KeyResource.From(k)));
    }

    private static async Task<IResult> DeleteKey(HttpContext context, string id, ITenancyStore store, KeyAuthenticator authenticator)
    {
        var caller = context.Caller();
        // Only the operator may give up the operator key: an admin of the default organization
        // deleting it would lock the operator out until a restart. Keys never change their operator
        // flag, so this check cannot go stale before the delete below.
        if (!caller.IsOperator && await store.FindKeyAsync(caller.OrgId, id) is { IsOperator: true })
        {
            return Problems.Forbidden("This is the operator key (the bootstrap admin key); only the operator key itself may delete it.");
        }
        if (!await store.DeleteKeyAsync(caller.OrgId, id))
        {
            return Problems.NotFound("API key");
        }
        authenticator.Forget(id);
        return Results.NoContent();
    }
}

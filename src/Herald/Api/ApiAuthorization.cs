using Herald.Core.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Herald.Api;

/// <summary>The API's authorization policies: a role of the key's organization, or the operator key.</summary>
public static class ApiPolicies
{
    public const string Viewer = "api.viewer";
    public const string Publisher = "api.publisher";
    public const string Admin = "api.admin";
    public const string Operator = "api.operator";

    public static string For(Role role) => role switch
    {
        Role.Admin => Admin,
        Role.Publisher => Publisher,
        _ => Viewer,
    };

    public static AuthorizationBuilder AddApiPolicies(this AuthorizationBuilder builder)
    {
        foreach (var role in (Role[])[Role.Viewer, Role.Publisher, Role.Admin])
        {
            builder.AddPolicy(For(role), policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).AddRequirements(new RoleRequirement(role)));
        }
        return builder.AddPolicy(Operator, policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).AddRequirements(new OperatorRequirement()));
    }
}

/// <summary>The key's role must include <paramref name="Role"/> (admin includes publisher, publisher includes viewer).</summary>
public sealed record RoleRequirement(Role Role) : IAuthorizationRequirement;

/// <summary>Only the bootstrap operator key may manage organizations.</summary>
public sealed record OperatorRequirement : IAuthorizationRequirement;

/// <summary>Decides both requirements from the caller's claims; a refusal carries the detail of the 403.</summary>
public sealed class ApiAccessHandler : IAuthorizationHandler
{
    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        if (CallerClaims.Read(context.User) is not { } caller)
        {
            return Task.CompletedTask;
        }
        foreach (var requirement in context.PendingRequirements.ToList())
        {
            if (requirement is RoleRequirement needs)
            {
                if (caller.Allows(needs.Role))
                {
                    context.Succeed(requirement);
                }
                else
                {
                    context.Fail(new AuthorizationFailureReason(this, $"This needs the {Roles.Name(needs.Role)} role; your key has {Roles.Name(caller.Role)}."));
                }
            }
            else if (requirement is OperatorRequirement)
            {
                if (caller.IsOperator)
                {
                    context.Succeed(requirement);
                }
                else
                {
                    context.Fail(new AuthorizationFailureReason(this, "Only the operator key (the bootstrap admin key) may manage organizations."));
                }
            }
        }
        return Task.CompletedTask;
    }
}

/// <summary>A key refused by a policy gets a problem+json 403 with the reason; the rest is the framework's.</summary>
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault(r => r.Handler is ApiAccessHandler) is { } reason)
        {
            return Problems.Forbidden(reason.Message).ExecuteAsync(context);
        }
        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}

public static class AuthExtensions
{
    /// <summary>Every /v1 route needs a valid key: 401 before anything else, even for unknown routes.</summary>
    public static IApplicationBuilder UseApiKeys(this IApplicationBuilder app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/v1"), branch => branch.Use(async (context, next) =>
        {
            var result = await context.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName);
            if (!result.Succeeded)
            {
                await context.ChallengeAsync(ApiKeyAuthenticationHandler.SchemeName);
                return;
            }
            context.User = result.Principal;
            await next(context);
        }));

    public static Caller Caller(this HttpContext context) =>
        CallerClaims.Read(context.User) ?? throw new InvalidOperationException("No caller: the route is outside /v1.");

    /// <summary>Refuses callers whose role is below <paramref name="role"/> with 403.</summary>
    public static RouteHandlerBuilder Require(this RouteHandlerBuilder builder, Role role) =>
        builder.RequireAuthorization(ApiPolicies.For(role));

    /// <summary>Only the bootstrap operator key may manage organizations.</summary>
    public static RouteHandlerBuilder RequireOperator(this RouteHandlerBuilder builder) =>
        builder.RequireAuthorization(ApiPolicies.Operator);
}

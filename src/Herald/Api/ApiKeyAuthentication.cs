using System.Security.Claims;
using System.Text.Encodings.Web;
using Herald.Core.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Herald.Api;

/// <summary>The claims of an authenticated key, and the <see cref="Caller"/> read back from them. A key itself is never a claim.</summary>
public static class CallerClaims
{
    public const string OrgId = "herald:org_id";
    public const string KeyId = "herald:key_id";
    public const string Operator = "herald:operator";

    public static ClaimsIdentity Identity(Caller caller, string scheme)
    {
        var identity = new ClaimsIdentity(scheme);
        identity.AddClaim(new Claim(OrgId, caller.OrgId));
        identity.AddClaim(new Claim(KeyId, caller.KeyId));
        identity.AddClaim(new Claim(ClaimTypes.Role, Roles.Name(caller.Role)));
        if (caller.IsOperator)
        {
            identity.AddClaim(new Claim(Operator, "true"));
        }
        return identity;
    }

    /// <summary>The caller of an authenticated principal; null for an anonymous one.</summary>
    public static Caller? Read(ClaimsPrincipal user)
    {
        if (user.FindFirst(OrgId)?.Value is not { } orgId || user.FindFirst(KeyId)?.Value is not { } keyId
            || !Roles.TryParse(user.FindFirst(ClaimTypes.Role)?.Value, out var role))
        {
            return null;
        }
        return new Caller(orgId, keyId, role, user.HasClaim(Operator, "true"));
    }
}

/// <summary>
/// The API's scheme: <c>Authorization: Bearer &lt;key&gt;</c>, resolved by <see cref="KeyAuthenticator"/>.
/// A refusal is a problem+json 401 with <c>WWW-Authenticate: Bearer</c>, saying whether no key was
/// sent or the key is not (or no longer) valid.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    KeyAuthenticator keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        var caller = await keys.AuthenticateAsync(header["Bearer ".Length..].Trim());
        return caller is null
            ? AuthenticateResult.Fail("The API key is not valid.")
            : AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(CallerClaims.Identity(caller, SchemeName)), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var detail = Request.Headers.Authorization.ToString().Length == 0
            ? "Send an API key: Authorization: Bearer <key>."
            : "The API key is not valid (it may have been deleted).";
        return Problems.Status(401, "Unauthorized", detail).ExecuteAsync(Context);
    }
}

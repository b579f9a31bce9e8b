using System.Security.Claims;
using System.Text.Encodings.Web;
using Herald.Api;
using Herald.Core.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Herald.Dashboard;

/// <summary>
/// The dashboard's scheme: the sealed session cookie (<see cref="DashboardSession"/>) whose key is
/// authenticated again on every request by <see cref="KeyAuthenticator"/>, so deleting the key ends
/// its sessions at once. Without one, a page redirects to the sign-in form (and back after it); a
/// form post is refused with a 403 page, since its data cannot be carried through a sign-in.
/// </summary>
public sealed class DashboardAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    SecretBox box,
    TimeProvider time,
    KeyAuthenticator keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DashboardSession";
    public const string Policy = "dashboard";
    public const string CsrfClaim = "herald:csrf";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var session = DashboardSession.Read(Context, box, time.GetUtcNow());
        if (session?.Key is not { } key)
        {
            return AuthenticateResult.NoResult();
        }
        if (await keys.AuthenticateAsync(key) is not { } caller)
        {
            return AuthenticateResult.Fail("The session's key is not valid.");
        }
        var identity = CallerClaims.Identity(caller, SchemeName);
        identity.AddClaim(new Claim(CsrfClaim, session.Csrf));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (HttpMethods.IsPost(Request.Method))
        {
            return Layout.Message(null, 403, "Signed out", "Your session has ended or the key was deleted; sign in again and repeat the change.").ExecuteAsync(Context);
        }
        var next = Request.Path + Request.QueryString;
        return Results.Redirect("/sign-in" + (next == "/" ? "" : "?next=" + Uri.EscapeDataString(next))).ExecuteAsync(Context);
    }

    /// <summary>The signed-in user of a request this scheme authenticated.</summary>
    public static DashboardUser? User(ClaimsPrincipal principal) =>
        CallerClaims.Read(principal) is { } caller && principal.FindFirst(CsrfClaim)?.Value is { } csrf ? new DashboardUser(caller, csrf) : null;
}

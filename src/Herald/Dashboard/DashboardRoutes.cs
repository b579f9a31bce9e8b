using Herald.Api;
using Herald.Core.Security;
using Microsoft.AspNetCore.Authentication;
using static Herald.Dashboard.Html;

namespace Herald.Dashboard;

/// <summary>
/// The dashboard (docs/dashboard.md): server-rendered pages at <c>/</c>, signed in with an API key. Every
/// page reads and writes through the same parser, store and services as the JSON API, with the
/// same role rules: reading needs any key, changing needs admin.
/// </summary>
public static class DashboardRoutes
{
    /// <summary>The dashboard's session scheme, and its policy: signed in with a key that is still valid.</summary>
    public static IServiceCollection AddHeraldDashboard(this IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, DashboardAuthenticationHandler>(DashboardAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(DashboardAuthenticationHandler.Policy,
            policy => policy.AddAuthenticationSchemes(DashboardAuthenticationHandler.SchemeName).RequireAuthenticatedUser());
        return services;
    }

    public static void MapDashboard(this WebApplication app)
    {
        DashboardAssets.Map(app);
        app.MapGet("/sign-in", SignInPage).ExcludeFromDescription();
        app.MapPost("/sign-in", SignIn).ExcludeFromDescription();

        var pages = app.MapGroup("").RequireAuthorization(DashboardAuthenticationHandler.Policy).AddEndpointFilter(RequireForm).ExcludeFromDescription();
        pages.MapPost("/sign-out", SignOut);
        OverviewPage.Map(pages);
        EndpointPages.Map(pages);
        EventPages.Map(pages);
        DeliveryPages.Map(pages);
    }

    internal static DashboardUser User(this HttpContext context) =>
        DashboardAuthenticationHandler.User(context.User) ?? throw new InvalidOperationException("No dashboard user: the route is outside the dashboard group.");

    /// <summary>
    /// Signed in is the dashboard policy's part (<see cref="DashboardAuthenticationHandler"/>). Every POST
    /// must also carry the session's CSRF token, and — sign-out aside — come from a key that may change things.
    /// </summary>
    private static async ValueTask<object?> RequireForm(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        if (HttpMethods.IsPost(context.Request.Method))
        {
            var user = context.User();
            var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : null;
            if (!user.CsrfMatches(form?[DashboardSession.CsrfField].ToString()))
            {
                return Layout.Message(user, 403, "Form expired",
                    "The form's security token is missing or does not match your session (CSRF protection). Reload the page and try again.");
            }
            if (context.Request.Path != "/sign-out" && !user.CanChange)
            {
                return Layout.Message(user, 403, "Read-only access",
                    $"Your key has the {Core.Model.Roles.Name(user.Caller.Role)} role, which may only read; changes need an admin key.");
            }
        }
        return await next(invocation);
    }

    private static async Task<IResult> SignInPage(HttpContext context, SecretBox box, TimeProvider time, string? next)
    {
        if ((await context.AuthenticateAsync(DashboardAuthenticationHandler.SchemeName)).Succeeded)
        {
            return Results.Redirect(LocalPath(next));
        }
        return SignInForm(context, box, time, next, null, 200);
    }

    private static IResult SignInForm(HttpContext context, SecretBox box, TimeProvider time, string? next, string? error, int status)
    {
        // A fresh anonymous session each time the form is shown: its token is the one the form posts back.
        var session = DashboardSession.Anonymous(time.GetUtcNow());
        session.Write(context, box);
        var errors = new Core.Validation.ValidationErrors();
        if (error is not null)
        {
            errors.Add("key", error);
        }
        var body = H($"""
            <div class="signin">
            <h1>Sign in to Herald</h1>
            {Layout.ErrorSummary(errors)}
            <form method="post" action="/sign-in">
            <input type="hidden" name="{DashboardSession.CsrfField}" value="{session.Csrf}">
            <input type="hidden" name="next" value="{LocalPath(next)}">
            {Layout.Input("key", "API key", null, errors, "Any key of your organization (hk_…). Viewer and publisher keys can read; admin keys can also make changes. The key is kept encrypted in a session cookie and never shown again.", type: "password", required: true, autocomplete: "current-password")}
            <button type="submit">Sign in</button>
            </form>
            </div>
            """);
        return Layout.Page(null, "Sign in", body, status);
    }

    private static async Task<IResult> SignIn(HttpContext context, SecretBox box, TimeProvider time, KeyAuthenticator authenticator)
    {
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : FormCollection.Empty;
        var next = form["next"].ToString();
        var session = DashboardSession.Read(context, box, time.GetUtcNow());
        if (session is null || !session.CsrfMatches(form[DashboardSession.CsrfField].ToString()))
        {
            return SignInForm(context, box, time, next, "could not be checked: the sign-in form had expired or your browser did not send its cookie. Try again.", 403);
        }
        var key = form["key"].ToString().Trim();
        var caller = key.Length == 0 ? null : await authenticator.AuthenticateAsync(key);
        if (caller is null)
        {
            return SignInForm(context, box, time, next, key.Length == 0 ? "is required" : "is not valid (it may have been deleted)", 401);
        }
        // A new session (and CSRF token) at sign-in: a token seen before sign-in is worth nothing after it.
        DashboardSession.SignedIn(key, time.GetUtcNow()).Write(context, box);
        return SeeOther(LocalPath(next));
    }

    private static IResult SignOut(HttpContext context)
    {
        DashboardSession.Clear(context);
        return SeeOther("/sign-in");
    }

    /// <summary>The longest <c>next</c> followed after sign-in; a page's path and query are far shorter.</summary>
    private const int MaxNextLength = 2048;

    /// <summary>
    /// Where to go after sign-in: a path on this server only (never another site), else <c>/</c>.
    /// Browsers drop tabs and newlines from a URL and read <c>\</c> as <c>/</c>, so <c>/\t/evil.example</c>
    /// becomes <c>//evil.example</c>, another site; and a CR or LF cannot go in a header at all. So
    /// only printable ASCII without spaces or backslashes passes, starting with one <c>/</c>. The
    /// dashboard's own links are built escaped, so they always pass.
    /// </summary>
    internal static string LocalPath(string? next)
    {
        if (next is not { Length: > 0 and <= MaxNextLength } || next[0] != '/' || (next.Length > 1 && next[1] == '/'))
        {
            return "/";
        }
        foreach (var c in next)
        {
            if (c is <= ' ' or >= '\x7f' or '\\')
            {
                return "/";
            }
        }
        return next;
    }

    /// <summary>A 303 to a page of the dashboard after a change, so reloading it does not post again.</summary>
    internal static IResult SeeOther(string path) => new SeeOtherResult(path);

    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = StatusCodes.Status303SeeOther;
            context.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}

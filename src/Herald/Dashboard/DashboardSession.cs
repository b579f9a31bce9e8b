using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Herald.Api;
using Herald.Core.Model;
using Herald.Core.Security;

namespace Herald.Dashboard;

/// <summary>
/// The dashboard's session, kept in one cookie sealed with the server's secret key (AES-GCM through
/// <see cref="SecretBox"/>): nothing to store, and every process sharing <c>HERALD_SECRET_KEY</c>
/// accepts it. It holds the API key the user signed in with — the browser cannot read or alter it —
/// so every request is authenticated again by <see cref="DashboardAuthenticationHandler"/>, and
/// deleting the key ends its sessions at once. It also holds the CSRF token every form posts back.
/// </summary>
public sealed record DashboardSession(string? Key, string Csrf, long ExpiresAtMs)
{
    public const string CookieName = "herald_session";
    public const string CsrfField = "_csrf";

    /// <summary>A signed-in session lasts a working day; signing in again starts a new one.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    /// <summary>A session before sign-in carries only the CSRF token of the sign-in form.</summary>
    public static DashboardSession Anonymous(DateTimeOffset now) => new(null, NewToken(), (now + Lifetime).ToUnixTimeMilliseconds());

    public static DashboardSession SignedIn(string key, DateTimeOffset now) => new(key, NewToken(), (now + Lifetime).ToUnixTimeMilliseconds());

    public static DashboardSession? Read(HttpContext context, SecretBox box, DateTimeOffset now)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value) || value.Length > 4096)
        {
            return null;
        }
        if (!box.TryOpenString(value, out var json))
        {
            return null;
        }
        try
        {
            var payload = JsonSerializer.Deserialize(json, DashboardJson.Default.SessionPayload);
            return payload is { C: { Length: > 0 } csrf } && payload.E > now.ToUnixTimeMilliseconds()
                ? new DashboardSession(payload.K, csrf, payload.E)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Write(HttpContext context, SecretBox box)
    {
        var json = JsonSerializer.Serialize(new SessionPayload(Key, Csrf, ExpiresAtMs), DashboardJson.Default.SessionPayload);
        context.Response.Cookies.Append(CookieName, box.SealString(json), CookieOptions(context));
    }

    public static void Clear(HttpContext context) => context.Response.Cookies.Delete(CookieName, CookieOptions(context));

    /// <summary>True when the posted token is this session's (compared in constant time).</summary>
    public bool CsrfMatches(string? posted) => TokensMatch(Csrf, posted);

    /// <summary>True when <paramref name="posted"/> is <paramref name="token"/>, compared in constant time.</summary>
    public static bool TokensMatch(string token, string? posted) =>
        posted is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(posted), Encoding.UTF8.GetBytes(token));

    private static CookieOptions CookieOptions(HttpContext context) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        IsEssential = true,
    };

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>The signed-in user of one dashboard request, and the CSRF token of its session.</summary>
public sealed record DashboardUser(Caller Caller, string Csrf)
{
    /// <summary>Changes need the role the API asks for them: admin (a viewer or publisher key reads only).</summary>
    public bool CanChange => Caller.Allows(Role.Admin);

    /// <summary>True when the posted token is this session's (compared in constant time).</summary>
    public bool CsrfMatches(string? posted) => DashboardSession.TokensMatch(Csrf, posted);
}

internal sealed record SessionPayload(string? K, string? C, long E);

[System.Text.Json.Serialization.JsonSerializable(typeof(SessionPayload))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class DashboardJson : System.Text.Json.Serialization.JsonSerializerContext;

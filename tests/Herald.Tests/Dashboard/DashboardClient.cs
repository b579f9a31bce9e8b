using System.Net;
using System.Text.RegularExpressions;

namespace Herald.Tests.Dashboard;

/// <summary>A browser without a browser: a cookie jar, no automatic redirects, and the CSRF token of the last page.</summary>
public sealed partial class DashboardClient : IDisposable
{
    private readonly HttpClient _http;

    private DashboardClient(Uri baseUrl)
    {
        Cookies = new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public CookieContainer Cookies { get; }

    /// <summary>The CSRF token of the last page read (every signed-in page has one, in the sign-out form).</summary>
    public string? Csrf { get; private set; }

    public static DashboardClient Anonymous(Uri baseUrl) => new(baseUrl);

    public static async Task<DashboardClient> SignInAsync(Uri baseUrl, string key)
    {
        var client = new DashboardClient(baseUrl);
        var response = await client.SignInWithAsync(key);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        await client.PageAsync("/");
        return client;
    }

    public async Task<HttpResponseMessage> SignInWithAsync(string key)
    {
        await PageAsync("/sign-in");
        return await PostAsync("/sign-in", new() { ["key"] = key });
    }

    public async Task<HttpResponseMessage> GetAsync(string path)
    {
        var response = await _http.GetAsync(path);
        await RememberCsrfAsync(response);
        return response;
    }

    /// <summary>GETs a page that must answer 200 and returns its HTML.</summary>
    public async Task<string> PageAsync(string path)
    {
        var response = await GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode}\n{html}");
        return html;
    }

    /// <summary>Posts a form with the current CSRF token unless <paramref name="csrf"/> says otherwise ("" sends none).</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, Dictionary<string, string> fields, string? csrf = null)
    {
        var form = new List<KeyValuePair<string, string>>(fields);
        var token = csrf ?? Csrf;
        if (!string.IsNullOrEmpty(token))
        {
            form.Add(new("_csrf", token));
        }
        var response = await _http.PostAsync(path, new FormUrlEncodedContent(form));
        await RememberCsrfAsync(response);
        return response;
    }

    private async Task RememberCsrfAsync(HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType != "text/html")
        {
            return;
        }
        var html = await response.Content.ReadAsStringAsync();
        if (CsrfField().Match(html) is { Success: true } match)
        {
            Csrf = match.Groups[1].Value;
        }
    }

    /// <summary>The id in a Location header such as <c>/endpoints/ep_…?notice=saved</c>.</summary>
    public static string IdFrom(HttpResponseMessage response, string prefix)
    {
        var location = response.Headers.Location?.ToString() ?? throw new InvalidOperationException($"No Location header ({(int)response.StatusCode}).");
        var match = Regex.Match(location, prefix + "_[0-9A-Z]{26}");
        Assert.True(match.Success, $"No {prefix} id in {location}");
        return match.Value;
    }

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();

    public void Dispose() => _http.Dispose();
}

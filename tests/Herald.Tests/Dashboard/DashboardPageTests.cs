using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Tests.Api;

namespace Herald.Tests.Dashboard;

/// <summary>The dashboard's pages over plain HTTP: sign-in, roles, CSRF, escaping, headers, and where secrets may appear.</summary>
public sealed partial class DashboardPageTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private HeraldTestServer Server => fixture.Server;

    private TestReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await TestReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static Dictionary<string, string> EndpointFields(string name, string url, Dictionary<string, string>? extra = null)
    {
        var fields = new Dictionary<string, string>
        {
            ["name"] = name, ["url"] = url, ["method"] = "POST", ["auth.type"] = "none", ["signature.scheme"] = "standard",
            ["format"] = "envelope", ["retry.schedule"] = "", ["retry.jitter"] = "0", ["delivery.mode"] = "immediate",
            ["timeout"] = "15s", ["ordering"] = "none", ["enabled"] = "true", ["_action"] = "save",
        };
        foreach (var (key, value) in extra ?? [])
        {
            fields[key] = value;
        }
        return fields;
    }

    /// <summary>Creates an endpoint through the form; returns its id and the page shown after saving.</summary>
    private static async Task<(string Id, string Html)> CreateThroughFormAsync(DashboardClient client, Dictionary<string, string> fields)
    {
        var response = await client.PostAsync("/endpoints/new", fields);
        var html = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.SeeOther)
        {
            return (DashboardClient.IdFrom(response, "ep"), html);
        }
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"create: {(int)response.StatusCode}\n{html}");
        return (EndpointLink().Match(html).Groups[1].Value, html);
    }

    [Fact]
    public async Task Pages_RedirectToSignIn_WithoutSession()
    {
        using var client = DashboardClient.Anonymous(Server.BaseUrl);
        var response = await client.GetAsync("/endpoints");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/sign-in?next=%2Fendpoints", response.Headers.Location?.ToString());
        var signIn = await client.PageAsync("/sign-in");
        Assert.Contains("<label for=\"f-key\">API key</label>", signIn);
    }

    [Fact]
    public async Task SignIn_RefusesUnknownKey_AndSetsNoSession()
    {
        using var client = DashboardClient.Anonymous(Server.BaseUrl);
        var response = await client.SignInWithAsync("hk_this_key_does_not_exist_000000000000");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("is not valid", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task SessionCookie_IsHttpOnlyAndStrict_AndHoldsNoKey()
    {
        using var client = DashboardClient.Anonymous(Server.BaseUrl);
        await client.PageAsync("/sign-in");
        var response = await client.PostAsync("/sign-in", new() { ["key"] = HeraldTestServer.AdminKey });
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("herald_session=", cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        // Plain http here: a Secure cookie would never come back.
        Assert.DoesNotContain("secure", cookie.Replace("herald_session=", ""), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(HeraldTestServer.AdminKey, Uri.UnescapeDataString(cookie));
    }

    [Fact]
    public async Task SignIn_WithoutTheFormsToken_IsRefused()
    {
        using var client = DashboardClient.Anonymous(Server.BaseUrl);
        await client.PageAsync("/sign-in");
        var response = await client.PostAsync("/sign-in", new() { ["key"] = HeraldTestServer.AdminKey }, csrf: "");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Pages_SendContentSecurityPolicy_ForbiddingOtherOrigins()
    {
        using var client = await DashboardClient.SignInAsync(Server.BaseUrl, HeraldTestServer.AdminKey);
        foreach (var path in (string[])["/", "/endpoints", "/events", "/deliveries", "/endpoints/new"])
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("default-src 'none'", csp);
            Assert.Contains("script-src 'self'", csp);
            Assert.Contains("style-src 'self'", csp);
            Assert.Contains("frame-ancestors 'none'", csp);
            Assert.DoesNotContain("http", csp);
            Assert.DoesNotContain("unsafe-inline", csp);
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            var html = await response.Content.ReadAsStringAsync();
            // Every script, stylesheet and image comes from Herald itself.
            Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);
            Assert.DoesNotContain("<script>", html);
            Assert.DoesNotContain("style=", html);
        }
    }

    [Fact]
    public async Task Post_WithoutOrWithWrongCsrfToken_IsRefused()
    {
        var org = await Server.NewOrgAsync();
        using var client = await DashboardClient.SignInAsync(Server.BaseUrl, org.AdminKey);
        var name = ApiTestSupport.Unique("csrf");
        var missing = await client.PostAsync("/endpoints/new", EndpointFields(name, ApiTestSupport.QuietUrl), csrf: "");
        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        Assert.Contains("CSRF", await missing.Content.ReadAsStringAsync());
        var wrong = await client.PostAsync("/endpoints/new", EndpointFields(name, ApiTestSupport.QuietUrl), csrf: "not-the-token");
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        var list = await (await org.Client.GetAsync("/v1/endpoints")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Empty(list["data"]!.AsArray());
    }

    [Fact]
    public async Task Viewer_SeesNoChangeControls_AndEveryPostIsRefused()
    {
        var org = await Server.NewOrgAsync();
        var endpoint = await org.Client.CreateEndpointAsync(ApiTestSupport.EndpointBody(_receiver.Url()));
        var id = endpoint.Str("id");
        var viewerKey = (await (await org.Client.PostJsonAsync("/v1/keys", new { name = "viewer", role = "viewer" })).ReadJsonAsync(HttpStatusCode.Created)).Str("key");
        using var client = await DashboardClient.SignInAsync(Server.BaseUrl, viewerKey);

        var page = await client.PageAsync($"/endpoints/{id}");
        Assert.Contains(endpoint.Str("name"), page);
        Assert.Contains("read only", page);
        Assert.DoesNotContain($"action=\"/endpoints/{id}/", page);
        Assert.DoesNotContain("/edit\"", page);
        Assert.DoesNotContain("New endpoint", await client.PageAsync("/endpoints"));
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/endpoints/new")).StatusCode);

        foreach (var action in (string[])["disable", "rotate", "test"])
        {
            var refused = await client.PostAsync($"/endpoints/{id}/{action}", []);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("viewer role", await refused.Content.ReadAsStringAsync());
        }
        var created = await client.PostAsync("/endpoints/new", EndpointFields(ApiTestSupport.Unique("viewer"), ApiTestSupport.QuietUrl));
        Assert.Equal(HttpStatusCode.Forbidden, created.StatusCode);

        var after = await (await org.Client.GetAsync($"/v1/endpoints/{id}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(after["enabled"]!.GetValue<bool>());
        Assert.Equal(endpoint.At("signature.secret_hint")?.ToString(), after.At("signature.secret_hint")?.ToString());
        Assert.Equal(0, _receiver.Count);
        Assert.Single((await (await org.Client.GetAsync("/v1/endpoints")).ReadJsonAsync(HttpStatusCode.OK))["data"]!.AsArray());
    }

    [Fact]
    public async Task UserValues_AreHtmlEscaped_InNamesAndPayloads()
    {
        var org = await Server.NewOrgAsync();
        const string Evil = "<script>alert('x')</script>";
        var endpoint = await org.Client.CreateEndpointAsync(ApiTestSupport.EndpointBody(_receiver.Url(), new JsonObject { ["description"] = Evil }, name: "ep " + Evil));
        var published = await org.Client.PublishAsync(new
        {
            type = "inspection.started",
            resource = new { type = "inspection", id = "audit_1" },
            triggered_by = new { type = "user", id = "u1", name = Evil },
            data = new { note = Evil, html = "<img src=x onerror=alert(1)>" },
        });
        await _receiver.WaitForAsync(1, TimeSpan.FromSeconds(20));
        using var client = await DashboardClient.SignInAsync(Server.BaseUrl, org.AdminKey);
        var pages = new[]
        {
            await client.PageAsync("/endpoints"),
            await client.PageAsync($"/endpoints/{endpoint.Str("id")}"),
            await client.PageAsync($"/endpoints/{endpoint.Str("id")}/edit"),
            await client.PageAsync($"/events/{published.Str("id")}"),
        };
        foreach (var html in pages)
        {
            Assert.DoesNotContain("<script>alert", html);
            Assert.DoesNotContain("<img src=x", html);
            Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;", html);
        }
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", pages[3]);
    }

    [Fact]
    public async Task Secrets_AppearOnlyOnce_AfterCreate_AndNeverInOtherPages()
    {
        var org = await Server.NewOrgAsync();
        using var client = await DashboardClient.SignInAsync(Server.BaseUrl, org.AdminKey);
        const string Password = "pw-Very-Secret-1";
        const string HeaderValue = "sensitive-header-value-42";
        var (id, createdPage) = await CreateThroughFormAsync(client, EndpointFields(ApiTestSupport.Unique("secret"), _receiver.Url(), new()
        {
            ["auth.type"] = "basic", ["auth.username"] = "systrack", ["auth.password"] = Password,
            ["headers[0].name"] = "X-Api-Token", ["headers[0].value"] = HeaderValue, ["headers[0].sensitive"] = "true",
            ["headers[1].name"] = "X-Env", ["headers[1].value"] = "prod",
        }));
        var secret = SecretValue().Match(createdPage).Groups[1].Value;
        Assert.StartsWith("whsec_", secret);
        Assert.DoesNotContain(Password, createdPage);
        Assert.DoesNotContain(HeaderValue, createdPage);

        var test = await client.PostAsync($"/endpoints/{id}/test", []);
        var testPage = await test.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, test.StatusCode);
        var received = Assert.Single(await _receiver.WaitForAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal(HeaderValue, received.Header("X-Api-Token"));

        var delivery = DeliveryLink().Match(testPage).Groups[1].Value;
        var pages = new List<string>
        {
            testPage,
            await client.PageAsync($"/endpoints/{id}"),
            await client.PageAsync($"/endpoints/{id}/edit"),
            await client.PageAsync("/endpoints"),
            await client.PageAsync($"/deliveries/{delivery}"),
        };
        foreach (var html in pages)
        {
            Assert.DoesNotContain(secret, html);
            Assert.DoesNotContain(Password, html);
            Assert.DoesNotContain(HeaderValue, html);
            Assert.DoesNotContain(org.AdminKey, html);
        }
        Assert.Contains("Basic ********", pages[4]);
        Assert.Contains("X-Api-Token", pages[4]);
    }

    [Fact]
    public async Task Edit_KeepsStoredSensitiveValues_WhenLeftEmpty()
    {
        var org = await Server.NewOrgAsync();
        var endpoint = await org.Client.CreateEndpointAsync(ApiTestSupport.EndpointBody(_receiver.Url(), new JsonObject
        {
            ["auth"] = new JsonObject { ["type"] = "basic", ["username"] = "u", ["password"] = "stored-password" },
            ["headers"] = new JsonArray(new JsonObject { ["name"] = "X-Token", ["value"] = "stored-token", ["sensitive"] = true }),
        }));
        var id = endpoint.Str("id");
        using var client = await DashboardClient.SignInAsync(Server.BaseUrl, org.AdminKey);
        var edit = await client.PageAsync($"/endpoints/{id}/edit");
        Assert.Contains("name=\"headers[0].stored\" value=\"true\"", edit);
        var response = await client.PostAsync($"/endpoints/{id}/edit", EndpointFields(endpoint.Str("name"), _receiver.Url("/changed"), new()
        {
            ["auth.type"] = "basic", ["auth.username"] = "u", ["auth.password"] = "",
            ["headers[0].name"] = "X-Token", ["headers[0].value"] = "", ["headers[0].sensitive"] = "true", ["headers[0].stored"] = "true",
        }));
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/endpoints/{id}/test", [])).StatusCode);
        var received = Assert.Single(await _receiver.WaitForAsync("/changed", 1, TimeSpan.FromSeconds(20)));
        Assert.Equal("stored-token", received.Header("X-Token"));
        Assert.Equal("Basic " + Convert.ToBase64String("u:stored-password"u8.ToArray()), received.Header("Authorization"));
    }

    [Fact]
    public async Task FormErrors_FromTheParser_AreShownNextToTheirFields()
    {
        var org = await Server.NewOrgAsync();
        using var client = await DashboardClient.SignInAsync(Server.BaseUrl, org.AdminKey);
        var response = await client.PostAsync("/endpoints/new", EndpointFields(ApiTestSupport.Unique("bad"), "ftp://example.org/x", new()
        {
            ["retry.schedule"] = "5s, 10", ["headers[0].name"] = "Content-Type", ["headers[0].value"] = "text/plain",
        }));
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Matches("id=\"f-url\"[^>]*aria-invalid=\"true\"", html);
        Assert.Contains("<p class=\"field-error\" id=\"f-url-error\">must be an absolute http or https URL</p>", html);
        Assert.Contains("id=\"f-retry-schedule-error\"", html);
        Assert.True(html.Contains("id=\"f-headers-0-name-error\"", StringComparison.Ordinal), html);
        Assert.Contains("ftp://example.org/x", html);
        Assert.Empty((await (await org.Client.GetAsync("/v1/endpoints")).ReadJsonAsync(HttpStatusCode.OK))["data"]!.AsArray());
    }

    [Fact]
    public async Task OtherOrganizations_Data_IsNotFound()
    {
        var mine = await Server.NewOrgAsync();
        var theirs = await Server.NewOrgAsync();
        var endpoint = await theirs.Client.CreateEndpointAsync(ApiTestSupport.EndpointBody(_receiver.Url(), name: "their-endpoint"));
        var evt = await theirs.Client.PublishAsync(new { type = "their.event", data = new { x = 1 } });
        await _receiver.WaitForAsync(1, TimeSpan.FromSeconds(20));
        var deliveries = await (await theirs.Client.GetAsync($"/v1/events/{evt.Str("id")}/deliveries")).ReadJsonAsync(HttpStatusCode.OK);
        var delivery = deliveries["data"]![0]!.Str("id");

        using var client = await DashboardClient.SignInAsync(Server.BaseUrl, mine.AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/endpoints/{endpoint.Str("id")}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/events/{evt.Str("id")}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/deliveries/{delivery}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/endpoints/{endpoint.Str("id")}/disable", [])).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/deliveries/{delivery}/retry", [])).StatusCode);
        Assert.DoesNotContain("their-endpoint", await client.PageAsync("/endpoints"));
        Assert.DoesNotContain(evt.Str("id"), await client.PageAsync("/events"));
        Assert.DoesNotContain(delivery, await client.PageAsync("/deliveries"));
        Assert.True((await (await theirs.Client.GetAsync($"/v1/endpoints/{endpoint.Str("id")}")).ReadJsonAsync(HttpStatusCode.OK))["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task SignOut_EndsTheSession_AndDeletingTheKeyEndsItToo()
    {
        var org = await Server.NewOrgAsync();
        var extra = await (await org.Client.PostJsonAsync("/v1/keys", new { name = "temp", role = "admin" })).ReadJsonAsync(HttpStatusCode.Created);
        using var client = await DashboardClient.SignInAsync(Server.BaseUrl, org.AdminKey);
        var signOut = await client.PostAsync("/sign-out", []);
        Assert.Equal(HttpStatusCode.SeeOther, signOut.StatusCode);
        Assert.Equal("/sign-in", signOut.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/endpoints")).StatusCode);

        using var other = await DashboardClient.SignInAsync(Server.BaseUrl, extra.Str("key"));
        await other.PageAsync("/endpoints");
        (await org.Client.DeleteAsync($"/v1/keys/{extra.Str("id")}")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Redirect, (await other.GetAsync("/endpoints")).StatusCode);
    }

    [Fact]
    public async Task Overview_CountsOutcomes_AndDrawsBothCharts()
    {
        var org = await Server.NewOrgAsync();
        var ok = await org.Client.CreateEndpointAsync(ApiTestSupport.EndpointBody(_receiver.Url("/ok")));
        await org.Client.CreateEndpointAsync(ApiTestSupport.EndpointBody(_receiver.Url("/fail")));
        _receiver.Responder = (request, _) => request.Path == "/fail" ? ResponsePlan.Status(500) : ResponsePlan.Ok;
        for (var i = 0; i < 3; i++)
        {
            await org.Client.PublishAsync(new { type = "overview.test", data = new { i } });
        }
        await _receiver.WaitForAsync(6, TimeSpan.FromSeconds(20));
        using var client = await DashboardClient.SignInAsync(Server.BaseUrl, org.AdminKey);
        string html = "";
        // The attempts are logged just after the receiver answers.
        for (var wait = 0; wait < 50 && !html.Contains("id=\"total-failed\">3<", StringComparison.Ordinal); wait++)
        {
            await Task.Delay(100);
            html = await client.PageAsync("/?hours=1");
        }
        Assert.Contains("id=\"total-succeeded\">3<", html);
        Assert.Contains("id=\"total-failed\">3<", html);
        Assert.Equal(2, Regex.Matches(html, "<svg [^>]*role=\"img\"").Count);
        Assert.Contains("6 attempts", html);
        Assert.Matches("<rect [^>]*fill=\"#1a7f37\"><title>[0-9:]+ succeeded: 3 per minute</title>", html);
        Assert.Contains("<path d=\"M", html);
        var list = await client.PageAsync("/endpoints");
        Assert.Contains("100 % <span class=\"muted\">(3 of 3)</span>", list);
        Assert.Contains("0 % <span class=\"muted\">(0 of 3)</span>", list);
        Assert.Contains(ok.Str("id"), list);
    }

    [Fact]
    public async Task TemplatePreview_RendersWithTheDeliveryRenderer()
    {
        var org = await Server.NewOrgAsync();
        using var client = await DashboardClient.SignInAsync(Server.BaseUrl, org.AdminKey);
        await client.PageAsync("/endpoints/new");
        var response = await client.PostAsync("/endpoints/template-preview", new()
        {
            ["template"] = "{\"t\": {{ event.type | json }}, \"score\": {{ data.score | json }}, \"who\": {{ endpoint.name | json }}}",
            ["name"] = "<b>preview</b>",
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Null(result["error"]);
        var body = JsonNode.Parse(result["body"]!.GetValue<string>())!;
        Assert.Equal("inspection.started", body["t"]!.GetValue<string>());
        Assert.Equal(0, body["score"]!.GetValue<int>());
        Assert.Equal("<b>preview</b>", body["who"]!.GetValue<string>());

        var broken = JsonNode.Parse(await (await client.PostAsync("/endpoints/template-preview", new() { ["template"] = "{% for x in %}" })).Content.ReadAsStringAsync())!;
        Assert.Contains("does not parse", broken["error"]!.GetValue<string>());

        var fallback = await client.PostAsync("/endpoints/new", EndpointFields("p", _receiver.Url(), new() { ["format"] = "template", ["template"] = "{\"n\": {{ endpoint.name | json }}}", ["_action"] = "preview" }));
        var page = await fallback.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, fallback.StatusCode);
        Assert.Contains("&quot;n&quot;: &quot;p&quot;", page);
        Assert.Empty((await (await org.Client.GetAsync("/v1/endpoints")).ReadJsonAsync(HttpStatusCode.OK))["data"]!.AsArray());
    }

    [GeneratedRegex("href=\"/endpoints/(ep_[0-9A-Z]{26})\"")]
    private static partial Regex EndpointLink();

    [GeneratedRegex("href=\"/deliveries/(dlv_[0-9A-Z]{26})\"")]
    private static partial Regex DeliveryLink();

    [GeneratedRegex("<code id=\"secret\">([^<]+)</code>")]
    private static partial Regex SecretValue();
}

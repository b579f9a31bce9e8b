using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Browser.Tests;

/// <summary>The dashboard in headless Chromium against a real Herald and a real receiver (docs/dashboard.md).</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class DashboardBrowserTests(BrowserHerald herald)
{
    private static async Task SignInAsync(IPage page, string key)
    {
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/sign-in$"));
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
    }

    private static ILocator Field(IPage page, string label) => page.GetByLabel(label, new() { Exact = true });

    private static async Task<JsonNode> GetJsonAsync(HttpClient api, string path)
    {
        var response = await api.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task<string> PublishAsync(HttpClient api, string type, object data)
    {
        var response = await api.PostAsJsonAsync("/v1/events", new { type, data });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"publish: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task Admin_CreatesEndpointWithSensitiveHeader_AndSeesTheDeliveryAndItsAttempt()
    {
        var key = await herald.NewOrgAsync();
        var page = await herald.NewPageAsync();
        await SignInAsync(page, key);

        await page.GetByRole(AriaRole.Link, new() { Name = "Endpoints" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "New endpoint" }).ClickAsync();
        await Field(page, "Name").FillAsync("Field station backend");
        await Field(page, "URL").FillAsync(herald.Receiver.Url("/created"));
        await Field(page, "Event types").FillAsync("inspection.*");
        await Field(page, "Retry schedule").FillAsync("");
        await Field(page, "Header 1 name").FillAsync("X-Api-Token");
        await Field(page, "Header 1 value").FillAsync("s3cr3t-token-value");
        await page.Locator("#f-headers-0-sensitive").CheckAsync();
        await Field(page, "Header 2 name").FillAsync("X-Env");
        await Field(page, "Header 2 value").FillAsync("prod");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create endpoint" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Endpoint created" })).ToBeVisibleAsync();
        var secret = await page.Locator("#secret").TextContentAsync();
        Assert.StartsWith("whsec_", secret);
        // The script reveals the copy button; without it the secret can still be selected by hand.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copy secret" })).ToBeVisibleAsync();
        await BrowserHerald.ScreenshotAsync(page, "endpoint-created");
        await page.GetByRole(AriaRole.Link, new() { Name = "Go to the endpoint" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Field station backend" })).ToBeVisibleAsync();
        var endpointPage = await page.ContentAsync();
        Assert.DoesNotContain("s3cr3t-token-value", endpointPage);
        Assert.DoesNotContain(secret!, endpointPage);
        Assert.Contains("X-Api-Token: ********", endpointPage);

        using var api = herald.Api(key);
        await PublishAsync(api, "inspection.started", new { audit_id = "audit_7e9ee886", score = 0 });
        var received = await herald.Receiver.WaitForAsync("/created");
        Assert.Equal("s3cr3t-token-value", received.Headers["X-Api-Token"]);
        Assert.Equal("prod", received.Headers["X-Env"]);

        await page.GetByRole(AriaRole.Link, new() { Name = "Deliveries", Exact = true }).First.ClickAsync();
        var row = page.Locator("tbody tr").Filter(new() { HasText = "Field station backend" });
        await Expect(row.Locator(".badge")).ToHaveTextAsync("succeeded");
        await row.Locator("a[href^='/deliveries/']").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Attempt 1 HTTP 200" })).ToBeVisibleAsync();
        await page.GetByText("Request headers").ClickAsync();
        await Expect(page.Locator("tr").Filter(new() { HasText = "X-Api-Token" }).Locator("td")).ToHaveTextAsync("********");
        await Expect(page.Locator("pre").Filter(new() { HasText = "\"status\":200" })).ToBeVisibleAsync();
        Assert.DoesNotContain("s3cr3t-token-value", await page.ContentAsync());
        await BrowserHerald.ScreenshotAsync(page, "delivery-attempt");

        await page.GetByRole(AriaRole.Link, new() { Name = "Events" }).ClickAsync();
        await Field(page, "Type").FillAsync("inspection.started");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await page.Locator("tbody a[href^='/events/']").First.ClickAsync();
        await Expect(page.Locator("#payload")).ToContainTextAsync("\"audit_id\": \"audit_7e9ee886\"");
        await BrowserHerald.ScreenshotAsync(page, "event");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FailedDelivery_IsRetriedWithTheButton()
    {
        var key = await herald.NewOrgAsync();
        using var api = herald.Api(key);
        var created = await api.PostAsJsonAsync("/v1/endpoints", new { name = "flaky", url = herald.Receiver.Url("/flaky"), retry = new { schedule = Array.Empty<string>(), jitter = 0 } });
        created.EnsureSuccessStatusCode();
        herald.Receiver.Status = 500;
        string deliveryId;
        try
        {
            var eventId = await PublishAsync(api, "sensor.alert", new { sensor = "s1" });
            await herald.Receiver.WaitForAsync("/flaky");
            deliveryId = "";
            for (var i = 0; i < 100; i++)
            {
                var deliveries = await GetJsonAsync(api, $"/v1/events/{eventId}/deliveries");
                var delivery = deliveries["data"]![0]!;
                if (delivery["status"]!.GetValue<string>() == "failed")
                {
                    deliveryId = delivery["id"]!.GetValue<string>();
                    break;
                }
                await Task.Delay(100);
            }
            Assert.NotEqual("", deliveryId);
        }
        finally
        {
            herald.Receiver.Status = 200;
        }

        var page = await herald.NewPageAsync();
        await SignInAsync(page, key);
        await page.GotoAsync("/deliveries?status=failed");
        await Expect(page.GetByLabel("Status")).ToHaveValueAsync("failed");
        await page.Locator($"a[href='/deliveries/{deliveryId}']").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Attempt 1 HTTP 500" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry now" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Attempt 2 HTTP 200" })).ToBeVisibleAsync();
        await Expect(page.Locator("dl.facts .badge").First).ToHaveTextAsync("succeeded");
        await BrowserHerald.ScreenshotAsync(page, "delivery-retried");
        var after = await GetJsonAsync(api, $"/v1/deliveries/{deliveryId}");
        Assert.Equal("succeeded", after["status"]!.GetValue<string>());
        Assert.Equal(2, after["attempts"]!.AsArray().Count);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task EveryField_SetThroughTheForm_ReadsBackIdenticallyThroughTheApi()
    {
        var key = await herald.NewOrgAsync();
        var page = await herald.NewPageAsync();
        await SignInAsync(page, key);
        await page.GotoAsync("/endpoints/new");

        const string Template = "{\"notification\": {{ event.type | json }}, \"sensor\": {{ data.sensor | json }}}";
        await Field(page, "Name").FillAsync("Everything");
        await Field(page, "URL").FillAsync(herald.Receiver.Url("/everything"));
        await Field(page, "Method").SelectOptionAsync("PUT");
        await Field(page, "Description").FillAsync("Every option of the form");
        await page.Locator("#f-enabled").UncheckAsync();
        await Field(page, "Event types").FillAsync("inspection.*\nobservation.created");
        await Field(page, "Entity types").FillAsync("inspection");
        await Field(page, "Payload filter (JSON)").FillAsync("{\"data.score\": {\"$gte\": 50}}");
        await Field(page, "Authentication").SelectOptionAsync("basic");
        await Field(page, "Username").FillAsync("systrack");
        await Field(page, "Password").FillAsync("p@ss");
        await Field(page, "Signature scheme").SelectOptionAsync("ushahidi");
        await Field(page, "Signature header").FillAsync("X-Sig");
        await Field(page, "Secret (optional)").FillAsync("my shared secret");
        await Field(page, "Header 1 name").FillAsync("X-Env");
        await Field(page, "Header 1 value").FillAsync("prod");
        await Field(page, "Header 2 name").FillAsync("X-Api-Token");
        await Field(page, "Header 2 value").FillAsync("s3cr3t");
        await page.Locator("#f-headers-1-sensitive").CheckAsync();
        await Field(page, "Format").SelectOptionAsync("template");
        await Field(page, "Template (Liquid)").FillAsync(Template);
        // The live preview: the script posts the template as it is typed and shows the rendered body.
        await Expect(page.Locator("#template-preview")).ToContainTextAsync("\"notification\": \"inspection.started\"");
        await Field(page, "Source field key").FillAsync("a1b2-source");
        await Field(page, "Destination field key").FillAsync("d4e5-destination");
        await Field(page, "Retry schedule").FillAsync("100s, 100s, 100s");
        await Field(page, "Jitter").FillAsync("0");
        await Field(page, "Delivery mode").SelectOptionAsync("deferred");
        await Field(page, "Interval").FillAsync("5m");
        await Field(page, "Timeout").FillAsync("30s");
        await Field(page, "Rate limit").FillAsync("20");
        await Field(page, "Ordering").SelectOptionAsync("fifo");
        await Field(page, "Metadata (JSON object)").FillAsync("{\"team\": \"field\"}");
        await BrowserHerald.ScreenshotAsync(page, "endpoint-form");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create endpoint" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Endpoint created" })).ToBeVisibleAsync();
        Assert.Equal("my shared secret", await page.Locator("#secret").TextContentAsync());
        await page.GetByRole(AriaRole.Link, new() { Name = "Go to the endpoint" }).ClickAsync();
        var id = Regex.Match(page.Url, "ep_[0-9A-Z]{26}").Value;

        using var api = herald.Api(key);
        var e = await GetJsonAsync(api, $"/v1/endpoints/{id}");
        Assert.Equal("Everything", e["name"]!.GetValue<string>());
        Assert.Equal(herald.Receiver.Url("/everything"), e["url"]!.GetValue<string>());
        Assert.Equal("PUT", e["method"]!.GetValue<string>());
        Assert.Equal("Every option of the form", e["description"]!.GetValue<string>());
        Assert.False(e["enabled"]!.GetValue<bool>());
        Assert.Equal("""["inspection.*","observation.created"]""", e["event_types"]!.ToJsonString());
        Assert.Equal("""["inspection"]""", e["entity_types"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"data.score": {"$gte": 50}}"""), e["filter"]));
        Assert.Equal("""{"type":"basic","username":"systrack","password":"********"}""", e["auth"]!.ToJsonString());
        Assert.Equal("ushahidi", e["signature"]!["scheme"]!.GetValue<string>());
        Assert.Equal("X-Sig", e["signature"]!["header"]!.GetValue<string>());
        Assert.Equal("…cret", e["signature"]!["secret_hint"]!.GetValue<string>());
        Assert.Equal("""[{"name":"X-Env","value":"prod","sensitive":false},{"name":"X-Api-Token","value":"********","sensitive":true}]""", e["headers"]!.ToJsonString());
        Assert.Equal("template", e["format"]!.GetValue<string>());
        Assert.Equal(Template, e["template"]!.GetValue<string>());
        Assert.Equal("a1b2-source", e["source_field_key"]!.GetValue<string>());
        Assert.Equal("d4e5-destination", e["destination_field_key"]!.GetValue<string>());
        Assert.Equal("""{"schedule":["100s","100s","100s"],"jitter":0}""", e["retry"]!.ToJsonString());
        Assert.Equal("""{"mode":"deferred","interval":"5m","batch":false}""", e["delivery"]!.ToJsonString());
        Assert.Equal("30s", e["timeout"]!.GetValue<string>());
        Assert.Equal(20, e["rate_limit"]!.GetValue<double>());
        Assert.Equal("fifo", e["ordering"]!.GetValue<string>());
        Assert.Equal("""{"team":"field"}""", e["metadata"]!.ToJsonString());

        // Saving the edit form unchanged changes nothing, and keeps the write-only values.
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit" }).ClickAsync();
        await Expect(Field(page, "Password")).ToHaveValueAsync("");
        await Expect(Field(page, "Header 2 value")).ToHaveValueAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByText("The endpoint was saved.")).ToBeVisibleAsync();
        var again = await GetJsonAsync(api, $"/v1/endpoints/{id}");
        again.AsObject().Remove("updated_at");
        e.AsObject().Remove("updated_at");
        Assert.Equal(e.ToJsonString(), again.ToJsonString());

        await page.GetByRole(AriaRole.Button, new() { Name = "Enable" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Send test event" }).ClickAsync();
        var received = await herald.Receiver.WaitForAsync("/everything");
        Assert.True(received.Headers.ContainsKey("X-Sig"), "the ushahidi signature header is named as the form set it");
        Assert.Equal("herald.ping", JsonNode.Parse(received.Body)!["notification"]!.GetValue<string>());
        Assert.Equal("s3cr3t", received.Headers["X-Api-Token"]);
        Assert.Equal("Basic " + Convert.ToBase64String("systrack:p@ss"u8.ToArray()), received.Headers["Authorization"]);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Viewer_SeesEverything_ButCannotChangeAnything()
    {
        var adminKey = await herald.NewOrgAsync();
        using var admin = herald.Api(adminKey);
        var created = JsonNode.Parse(await (await admin.PostAsJsonAsync("/v1/endpoints", new { name = "watched", url = herald.Receiver.Url("/watched") })).Content.ReadAsStringAsync())!;
        var id = created["id"]!.GetValue<string>();
        var viewerKey = JsonNode.Parse(await (await admin.PostAsJsonAsync("/v1/keys", new { name = "viewer", role = "viewer" })).Content.ReadAsStringAsync())!["key"]!.GetValue<string>();

        var page = await herald.NewPageAsync();
        await SignInAsync(page, viewerKey);
        await page.GotoAsync($"/endpoints/{id}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "watched" })).ToBeVisibleAsync();
        await Expect(page.GetByText("viewer (read only)")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Disable" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Rotate secret" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Edit" })).ToHaveCountAsync(0);
        await BrowserHerald.ScreenshotAsync(page, "viewer-endpoint");

        // A hand-made form with the session's own CSRF token is still refused: the role decides.
        await page.EvaluateAsync("""
            id => {
              const form = document.createElement("form");
              form.method = "post";
              form.action = "/endpoints/" + id + "/disable";
              const token = document.querySelector("input[name=_csrf]").cloneNode();
              form.appendChild(token);
              document.body.appendChild(form);
              form.submit();
            }
            """, id);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Read-only access" })).ToBeVisibleAsync();
        var after = await GetJsonAsync(admin, $"/v1/endpoints/{id}");
        Assert.True(after["enabled"]!.GetValue<bool>());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FormWithoutCsrfToken_IsRefused()
    {
        var key = await herald.NewOrgAsync();
        using var api = herald.Api(key);
        var id = JsonNode.Parse(await (await api.PostAsJsonAsync("/v1/endpoints", new { name = "guarded", url = herald.Receiver.Url("/guarded") })).Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        var page = await herald.NewPageAsync();
        await SignInAsync(page, key);
        await page.GotoAsync($"/endpoints/{id}");
        await page.EvaluateAsync("document.querySelectorAll(\"form[action$='/disable'] input[name=_csrf]\").forEach(e => e.remove())");
        await page.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Form expired" })).ToBeVisibleAsync();
        Assert.True((await GetJsonAsync(api, $"/v1/endpoints/{id}"))["enabled"]!.GetValue<bool>());

        await page.GotoAsync($"/endpoints/{id}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await Expect(page.GetByText("The endpoint is disabled")).ToBeVisibleAsync();
        Assert.False((await GetJsonAsync(api, $"/v1/endpoints/{id}"))["enabled"]!.GetValue<bool>());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignOut_ReturnsToSignIn_AndPagesNeedSigningInAgain()
    {
        var key = await herald.NewOrgAsync();
        var page = await herald.NewPageAsync();
        await SignInAsync(page, key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/sign-in$"));
        await page.GotoAsync("/endpoints");
        await Expect(page).ToHaveURLAsync(new Regex("/sign-in\\?next=%2Fendpoints$"));
        await Expect(page.GetByLabel("API key")).ToBeVisibleAsync();
        var cookies = await page.Context.CookiesAsync();
        Assert.DoesNotContain(cookies, c => c.Name == "herald_session" && c.Value.Length > 200);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Pages_FitAPhoneWidth_AndTheOverviewDrawsItsCharts()
    {
        var key = await herald.NewOrgAsync();
        using var api = herald.Api(key);
        var created = JsonNode.Parse(await (await api.PostAsJsonAsync("/v1/endpoints", new { name = "phone endpoint with a rather long name", url = herald.Receiver.Url("/phone/with/a/long/path/segment") })).Content.ReadAsStringAsync())!;
        await PublishAsync(api, "phone.test", new { message = "a payload with a long line " + new string('x', 300) });
        await herald.Receiver.WaitForAsync("/phone/with/a/long/path/segment");

        var page = await herald.NewPageAsync(375, 812);
        await SignInAsync(page, key);
        await Expect(page.Locator("svg[role=img]")).ToHaveCountAsync(2);
        await Expect(page.Locator("#total-succeeded")).ToHaveTextAsync("1");
        var paths = new List<string> { "/", "/endpoints", $"/endpoints/{created["id"]!.GetValue<string>()}", "/events", "/deliveries", "/endpoints/new" };
        foreach (var path in paths)
        {
            await page.GotoAsync(path);
            var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
            Assert.True(width <= 375, $"{path} is {width} px wide at a 375 px viewport");
            await BrowserHerald.ScreenshotAsync(page, "phone" + (path == "/" ? "-overview" : path.Replace('/', '-')[..Math.Min(path.Length, 20)]));
        }
        await page.Context.CloseAsync();
    }
}

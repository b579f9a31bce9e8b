using System.Text.Json.Nodes;
using Herald.Tests.Api;

namespace Herald.Tests.Cli;

/// <summary><c>herald endpoint|event|delivery|applink</c> against a real server.</summary>
public sealed class AdminVerbTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private TestReceiver _receiver = null!;

    private HeraldTestServer Server => fixture.Server;

    public async Task InitializeAsync() => _receiver = await TestReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private Task<CliResult> RunAsync(TestOrg org, params string[] args) =>
        CliRunner.RunAsync([.. args, "--server", Server.BaseUrl.ToString(), "--key", org.AdminKey]);

    private static JsonNode ParseOut(CliResult run)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonNode.Parse(run.Out) ?? throw new Xunit.Sdk.XunitException("null JSON: " + run);
    }

    [Fact]
    public async Task Endpoint_AddListShowTestRm_RoundTrip()
    {
        var org = await Server.NewOrgAsync();
        var name = ApiTestSupport.Unique("cli");

        var added = await RunAsync(org, "endpoint", "add", "--name", name, "--url", _receiver.Url("/cli"), "--event-type", "order.*",
            "--header", "X-Env: prod", "--sensitive-header", "X-Token: s3cr3t", "--retry", "1s,2s", "--json");
        var endpoint = ParseOut(added);
        var id = endpoint.Str("id");
        Assert.StartsWith("whsec_", endpoint.Str("signature.secret"));
        Assert.Contains("store the signing secret", added.Err);
        Assert.Equal("order.*", endpoint["event_types"]![0]!.GetValue<string>());
        Assert.Equal("********", endpoint["headers"]![1]!.Str("value"));
        Assert.Equal(2, endpoint["retry"]!["schedule"]!.AsArray().Count);

        var table = await RunAsync(org, "endpoint", "list");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains(id, table.Out);
        Assert.Contains(name, table.Out);
        Assert.StartsWith("ID", table.Out);

        var listed = ParseOut(await RunAsync(org, "endpoint", "list", "--json"));
        var api = await (await org.Client.GetAsync("/v1/endpoints")).ReadJsonAsync();
        Json.AssertEqual(api["data"], listed["data"]);

        var shown = ParseOut(await RunAsync(org, "endpoint", "show", id, "--json"));
        Json.AssertEqual(await (await org.Client.GetAsync($"/v1/endpoints/{id}")).ReadJsonAsync(), shown);
        var shownTable = await RunAsync(org, "endpoint", "show", id);
        Assert.True(shownTable.ExitCode == 0, shownTable.ToString());
        Assert.Contains(_receiver.Url("/cli"), shownTable.Out);
        Assert.DoesNotContain("whsec_", shownTable.Out);

        var updated = ParseOut(await RunAsync(org, "endpoint", "update", id, "--method", "put", "--json"));
        Assert.Equal("PUT", updated.Str("method"));
        Assert.Equal(name, updated.Str("name"));

        var test = await RunAsync(org, "endpoint", "test", id);
        Assert.True(test.ExitCode == 0, test.ToString());
        Assert.Contains("200", test.Out);
        Assert.Contains("Duration", test.Out);
        await _receiver.WaitForAsync("/cli", 1, Wait);

        var removed = await RunAsync(org, "endpoint", "rm", id);
        Assert.True(removed.ExitCode == 0, removed.ToString());
        var gone = await RunAsync(org, "endpoint", "show", id);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("herald: 404", gone.Err);
    }

    [Fact]
    public async Task Endpoint_Test_ExitsOne_WhenTheEndpointFails()
    {
        var org = await Server.NewOrgAsync();
        _receiver.DefaultResponse = ResponsePlan.Status(500);
        var id = ParseOut(await RunAsync(org, "endpoint", "add", "--name", ApiTestSupport.Unique("cli"), "--url", _receiver.Url("/fails"), "--json")).Str("id");

        var test = await RunAsync(org, "endpoint", "test", id, "--json");

        Assert.Equal(1, test.ExitCode);
        Assert.Equal(500, JsonNode.Parse(test.Out)!["response"]!["status"]!.GetValue<int>());
        Assert.Contains("500", test.Err);
    }

    [Fact]
    public async Task Endpoint_Add_FromBodyFile_FlagsOverrideTheFile()
    {
        var org = await Server.NewOrgAsync();
        using var dir = TempDir.Create("herald-cli");
        var file = dir.Combine("endpoint.json");
        await File.WriteAllTextAsync(file, $$"""{"name": "from-file", "url": "{{_receiver.Url("/file")}}", "format": "raw", "timeout": "5s"}""");

        var endpoint = ParseOut(await RunAsync(org, "endpoint", "add", "--body-file", file, "--name", "from-flag", "--json"));

        Assert.Equal("from-flag", endpoint.Str("name"));
        Assert.Equal("raw", endpoint.Str("format"));
        Assert.Equal("5s", endpoint.Str("timeout"));

        var patch = dir.Combine("patch.json");
        await File.WriteAllTextAsync(patch, """{"description": "patched"}""");
        var patched = ParseOut(await RunAsync(org, "endpoint", "update", endpoint.Str("id"), "--body-file", patch, "--json"));
        Assert.Equal("patched", patched.Str("description"));
        Assert.Equal("raw", patched.Str("format"));
    }

    [Fact]
    public async Task Publish_ThenDeliveryListShowRetry()
    {
        var org = await Server.NewOrgAsync();
        var endpointId = ParseOut(await RunAsync(org, "endpoint", "add", "--name", ApiTestSupport.Unique("cli"), "--url", _receiver.Url("/pub"),
            "--event-type", "order.created", "--json")).Str("id");

        var published = ParseOut(await RunAsync(org, "event", "publish", "--type", "order.created", "--data", """{"n": 1}""",
            "--resource-type", "order", "--resource-id", "o_1", "--idempotency-key", "k-1", "--json"));
        var eventId = published.Str("id");
        Assert.Equal(1, published["deliveries"]!.GetValue<int>());
        var again = ParseOut(await RunAsync(org, "event", "publish", "--type", "order.created", "--data", """{"n": 1}""",
            "--resource-type", "order", "--resource-id", "o_1", "--idempotency-key", "k-1", "--json"));
        Assert.Equal(eventId, again.Str("id"));
        await _receiver.WaitForAsync("/pub", 1, Wait);

        JsonNode delivery;
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var list = ParseOut(await RunAsync(org, "delivery", "list", "--event-id", eventId, "--json"));
            delivery = Assert.Single(list["data"]!.AsArray())!;
            if (delivery.Str("status") == "succeeded" || DateTime.UtcNow > deadline)
            {
                break;
            }
            await Task.Delay(100);
        }
        Assert.Equal("succeeded", delivery.Str("status"));
        Assert.Equal(endpointId, delivery.Str("endpoint_id"));
        var deliveryId = delivery.Str("id");

        var table = await RunAsync(org, "delivery", "list", "--endpoint-id", endpointId);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains(deliveryId, table.Out);
        Assert.Contains("succeeded", table.Out);

        var shown = await RunAsync(org, "delivery", "show", deliveryId);
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Contains("Attempts (1)", shown.Out);
        Assert.Contains("STARTED", shown.Out);
        Assert.Contains(" 200 ", shown.Out);
        var shownJson = ParseOut(await RunAsync(org, "delivery", "show", deliveryId, "--json"));
        Json.AssertEqual(await (await org.Client.GetAsync($"/v1/deliveries/{deliveryId}")).ReadJsonAsync(), shownJson);

        var retried = await RunAsync(org, "delivery", "retry", deliveryId);
        Assert.True(retried.ExitCode == 0, retried.ToString());
        await _receiver.WaitForAsync("/pub", 2, Wait);

        var evt = ParseOut(await RunAsync(org, "event", "show", eventId, "--json"));
        Assert.Equal("order.created", evt.Str("type"));
        Assert.Equal(deliveryId, evt["deliveries"]![0]!.Str("id"));
        var evtTable = await RunAsync(org, "event", "show", eventId);
        Assert.True(evtTable.ExitCode == 0, evtTable.ToString());
        Assert.Contains("Deliveries (1)", evtTable.Out);

        var events = ParseOut(await RunAsync(org, "event", "list", "--type", "order.created", "--all", "--limit", "1", "--json"));
        Assert.Equal(eventId, Assert.Single(events["data"]!.AsArray())!.Str("id"));
        var eventsTable = await RunAsync(org, "event", "list", "--resource-type", "order", "--resource-id", "o_1", "--since", "1h");
        Assert.True(eventsTable.ExitCode == 0, eventsTable.ToString());
        Assert.Contains(eventId, eventsTable.Out);
        Assert.Contains("order/o_1", eventsTable.Out);
    }

    [Fact]
    public async Task EventList_All_FollowsTheCursor_WithProgressOnStandardError()
    {
        var org = await Server.NewOrgAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await RunAsync(org, "event", "publish", "--type", "page.test", "--data", $"{i}")).ExitCode);
        }

        var run = await RunAsync(org, "event", "list", "--limit", "2", "--all", "--json");

        Assert.Equal(3, ParseOut(run)["data"]!.AsArray().Count);
        Assert.Contains("Fetched 2 events", run.Err);
        var onePage = ParseOut(await RunAsync(org, "event", "list", "--limit", "2", "--json"));
        Assert.Equal(2, onePage["data"]!.AsArray().Count);
        Assert.NotNull(onePage["next_cursor"]);
    }

    [Theory]
    [InlineData("endpoint", "show", "ep_doesnotexist")]
    [InlineData("delivery", "show", "dlv_doesnotexist")]
    [InlineData("delivery", "retry", "dlv_doesnotexist")]
    [InlineData("event", "show", "evt_doesnotexist")]
    [InlineData("endpoint", "rm", "ep_doesnotexist")]
    public async Task UnknownId_ExitsOne_WithTheProblemDetail(params string[] args)
    {
        var org = await Server.NewOrgAsync();

        var run = await RunAsync(org, args);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.StartsWith("herald: 404", run.Err);
        Assert.Equal("", run.Out);
    }

    [Theory]
    [InlineData("endpoint", "add", "--name", "only-a-name")]
    [InlineData("endpoint", "list", "--bogus")]
    [InlineData("endpoint", "show")]
    [InlineData("endpoint", "update", "ep_1")]
    [InlineData("endpoint", "add", "--name", "n", "--url", "http://x", "--header", "no-colon")]
    [InlineData("endpoint", "recover", "ep_1")]
    [InlineData("endpoint", "recover", "ep_1", "--since", "yesterday-ish")]
    [InlineData("event", "publish", "--data", "{}")]
    [InlineData("event", "publish", "--type", "a.b", "--data", "{not json")]
    [InlineData("event", "publish", "--type", "a.b", "--data", """{"s": "\ud800"}""")]
    [InlineData("event", "publish", "--type", "a.b", "--data", """{"\udc00\ud800": 1}""")]
    [InlineData("applink", "decode", "https://cybertrackerwiki.org/applink?x=eyJ3ZWJob29rIjp7InVybCI6Imh0dHA6Ly8xMjcuMC4wLjE6OS9ob29rIiwibmFtZSI6Ilx1ZDgwMCJ9fQ==")]
    [InlineData("event", "publish", "--type", "a.b", "--resource-type", "x")]
    [InlineData("event", "list", "--limit", "many")]
    [InlineData("delivery", "list", "--status", "lost")]
    [InlineData("delivery", "retry", "a", "b")]
    [InlineData("applink", "create", "ep_1", "--qr", "code.jpg")]
    [InlineData("applink", "decode", "https://example.org/not-an-applink")]
    public async Task BadUsage_ExitsTwo_AndSendsNothing(params string[] args)
    {
        // No server listens on port 9: a request would be exit 3, so exit 2 shows nothing was sent.
        var run = await CliRunner.RunAsync([.. args, "--server", "http://127.0.0.1:9", "--key", "hk_x"]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith("herald: ", run.Err);
    }

    [Fact]
    public async Task UnreachableServer_ExitsThree()
    {
        var run = await CliRunner.RunAsync(new Dictionary<string, string> { ["HERALD_SERVER"] = "http://127.0.0.1:9", ["HERALD_KEY"] = "hk_x" },
            "endpoint", "list");

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("Cannot reach Herald", run.Err);
    }

    [Fact]
    public async Task ApplinkDecode_ThePublishedExample()
    {
        var run = await CliRunner.RunAsync("applink", "decode",
            "https://cybertrackerwiki.org/applink?x=ewogICJ3ZWJob29rIjogdHJ1ZSwKICAidXJsIjogImh0dHBzOi8vbXlzaXRlLmNvbS93ZWJob29rIiwKICAiZW50aXR5IjogIk15IGVudGl0eSIKfQ==");

        var json = ParseOut(run);
        Assert.True(json["webhook"]!.GetValue<bool>());
        Assert.Equal("https://mysite.com/webhook", json.Str("url"));
        Assert.Equal("My entity", json.Str("entity"));
    }

    [Fact]
    public async Task ApplinkCreate_PrintsTheLink_AndWritesTheQrCode()
    {
        var org = await Server.NewOrgAsync();
        var id = ParseOut(await RunAsync(org, "endpoint", "add", "--name", "Station", "--url", _receiver.Url("/ct"), "--format", "raw", "--json")).Str("id");
        using var dir = TempDir.Create("herald-cli");
        var png = dir.Combine("code.png");
        var svg = dir.Combine("code.svg");

        var run = await RunAsync(org, "applink", "create", id, "--qr", png);
        var svgRun = await RunAsync(org, "applink", "create", id, "--qr", svg, "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var link = run.Out.Trim();
        Assert.StartsWith("https://cybertrackerwiki.org/applink?x=", link);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await File.ReadAllBytesAsync(png))[..4]);
        Assert.Contains("<svg", await File.ReadAllTextAsync(svg));
        Assert.Equal(link, ParseOut(svgRun).Str("applink"));
        var decoded = ParseOut(await CliRunner.RunAsync("applink", "decode", link));
        Assert.True(decoded["webhook"]!.GetValue<bool>());
    }
}

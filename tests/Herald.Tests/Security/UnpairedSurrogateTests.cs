using System.Data.Common;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Engine.Configuration;
using Herald.Hosting;
using Herald.Tests.Api;
using Herald.Tests.Dashboard;
using Microsoft.Data.Sqlite;
using Npgsql;
using static Herald.Tests.Api.ApiTestSupport;

namespace Herald.Tests.Security;

/// <summary>
/// A JSON string escape that is no UTF-16 (<c>"\ud800"</c>, a reversed pair <c>"\udc00\ud800"</c>) is
/// refused with 422 at its path on every route that takes JSON; a valid pair is accepted. An event an
/// older version stored with one reads back, and is delivered, with U+FFFD in its place.
/// </summary>
public sealed class UnpairedSurrogateTests : IClassFixture<ServerFixture>
{
    private readonly HeraldTestServer _server;

    public UnpairedSurrogateTests(ServerFixture fixture) => _server = fixture.Server;

    [Theory]
    [InlineData("""{"type":"t.a","data":{"s":"\ud800"}}""", "data.s")]
    [InlineData("""{"type":"t.a","data":{"s":"\udc00\ud800"}}""", "data.s")]
    [InlineData("""{"type":"t.a","data":{"list":[1,"ok","x\uDBFF"]}}""", "data.list[2]")]
    [InlineData("""{"type":"t.a","data":{"\ud800":1}}""", "data")]
    [InlineData("""{"type":"t.\ud800","data":{}}""", "type")]
    [InlineData("""{"type":"t.a","resource":{"type":"r","id":"\udfff"},"data":{}}""", "resource.id")]
    [InlineData("""{"type":"t.a","triggered_by":{"name":"\ud83d"},"data":{}}""", "triggered_by.name")]
    [InlineData("""{"type":"t.a","occurred_at":"\ud800","data":{}}""", "occurred_at")]
    [InlineData("""{"type":"t.a","endpoints":["\ud800"],"data":{}}""", "endpoints[0]")]
    public async Task Publish_Returns422_WhenAStringHasAnUnpairedSurrogate(string body, string path)
    {
        var org = await _server.NewOrgAsync();

        using var response = await org.Client.PostJsonAsync("/v1/events", body);

        var problem = await response.ExpectValidationErrorAsync(path);
        Assert.Contains("unpaired UTF-16 surrogate", problem.At("errors")![path]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(await org.Client.ListAllAsync("/v1/events"));
    }

    [Fact]
    public async Task Publish_NamesTheEscapeInTheReason()
    {
        var org = await _server.NewOrgAsync();

        using var response = await org.Client.PostJsonAsync("/v1/events", """{"type":"t.a","data":{"s":"\uD800"}}""");

        var problem = await response.ExpectValidationErrorAsync("data.s");
        Assert.Equal("contains an unpaired UTF-16 surrogate (\\ud800)", problem.At("errors")!["data.s"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Publish_AcceptsAValidSurrogatePair_AndReadsItBack()
    {
        var org = await _server.NewOrgAsync();

        var accepted = await org.Client.PublishAsync("""{"type":"t.a","data":{"s":"\ud83d\ude00"}}""");

        var stored = await (await org.Client.GetAsync($"/v1/events/{accepted.Str("id")}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("\U0001F600", stored.Str("data.s"));
    }

    [Theory]
    [InlineData("POST", "/v1/endpoints", """{"name":"n\ud800","url":"http://127.0.0.1:9/hook"}""", "name")]
    [InlineData("POST", "/v1/endpoints", """{"name":"n","url":"http://127.0.0.1:9/hook","metadata":{"k":"\udc00\ud800"}}""", "metadata.k")]
    [InlineData("POST", "/v1/endpoints", """{"name":"n","url":"http://127.0.0.1:9/hook","headers":[{"name":"X-A","value":"\ud800"}]}""", "headers[0].value")]
    [InlineData("POST", "/v1/endpoints", """{"name":"n","url":"http://127.0.0.1:9/hook","filter":{"data.s":{"$eq":"\ud800"}}}""", "filter.data.s.$eq")]
    [InlineData("POST", "/v1/endpoints", """{"name":"n","url":"http://127.0.0.1:9/hook","format":"template","template":"{\"s\": \"\\ud800\", \"t\": {{ event.type | json }}}"}""", "template")]
    [InlineData("PUT", "/v1/endpoints/{endpoint}", """{"name":"n","url":"http://127.0.0.1:9/\ud800"}""", "url")]
    [InlineData("PATCH", "/v1/endpoints/{endpoint}", """{"metadata":{"\ud800":null}}""", "metadata")]
    [InlineData("POST", "/v1/endpoints/{endpoint}/recover", """{"since":"\ud800"}""", "since")]
    [InlineData("POST", "/v1/event-types", """{"name":"a.b","description":"\ud800"}""", "description")]
    [InlineData("POST", "/v1/event-types", """{"name":"a.b","schema":{"type":"object","properties":{"\udfff":{}}}}""", "schema.properties")]
    [InlineData("PUT", "/v1/event-types/a.c", """{"description":"x\udbff"}""", "description")]
    [InlineData("POST", "/v1/keys", """{"name":"\ud800","role":"viewer"}""", "name")]
    [InlineData("POST", "/v1/applinks/import", """{"applink":"\ud800"}""", "applink")]
    public async Task AdminRoutes_Return422_WhenAStringHasAnUnpairedSurrogate(string method, string route, string body, string path)
    {
        var org = await _server.NewOrgAsync();
        var endpoint = await org.Client.CreateEndpointAsync(EndpointBody(QuietUrl));
        var url = route.Replace("{endpoint}", endpoint.Str("id"), StringComparison.Ordinal);
        using var request = new HttpRequestMessage(new HttpMethod(method), url)
        {
            Content = Json.Content(body, method == "PATCH" ? "application/merge-patch+json" : "application/json"),
        };

        using var response = await org.Client.SendAsync(request);

        await response.ExpectValidationErrorAsync(path);
        var current = await (await org.Client.GetAsync($"/v1/endpoints/{endpoint.Str("id")}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(endpoint.Str("name"), current.Str("name"));
    }

    [Fact]
    public async Task CreateOrg_Returns422_WhenTheNameHasAnUnpairedSurrogate()
    {
        using var response = await _server.Client.PostJsonAsync("/v1/orgs", """{"name":"org\ud800"}""");

        await response.ExpectValidationErrorAsync("name");
    }

    [Fact]
    public async Task ApplinkImport_Returns422_WhenTheLinkCarriesAnUnpairedSurrogate()
    {
        var org = await _server.NewOrgAsync();
        var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"webhook":{"url":"http://127.0.0.1:9/hook","name":"\ud800"}}"""));

        using var response = await org.Client.PostJsonAsync("/v1/applinks/import", new JsonObject { ["applink"] = "https://cybertrackerwiki.org/applink?x=" + payload });

        var problem = await response.ExpectValidationErrorAsync("applink");
        Assert.Contains("unpaired UTF-16 surrogate (\\ud800)", problem.At("errors")!["applink"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(await org.Client.ListAllAsync("/v1/endpoints"));
    }

    [Theory]
    [InlineData("metadata", """{"k":"\ud800"}""")]
    [InlineData("filter", """{"data.s":{"$eq":"\udc00\ud800"}}""")]
    public async Task DashboardEndpointForm_ShowsAFieldError_WhenJsonHasAnUnpairedSurrogate(string field, string json)
    {
        var org = await _server.NewOrgAsync();
        using var client = await DashboardClient.SignInAsync(_server.BaseUrl, org.AdminKey);
        await client.PageAsync("/endpoints/new");

        using var response = await client.PostAsync("/endpoints/new", new()
        {
            ["name"] = "form", ["url"] = QuietUrl, ["format"] = "envelope", [field] = json,
        });

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableContent, response.StatusCode);
        Assert.Contains("unpaired UTF-16 surrogate", html, StringComparison.Ordinal);
        Assert.Empty(await org.Client.ListAllAsync("/v1/endpoints"));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e400")]
    public async Task DashboardEndpointForm_RefusesARateLimitThatIsNoFiniteNumber(string rate)
    {
        var org = await _server.NewOrgAsync();
        using var client = await DashboardClient.SignInAsync(_server.BaseUrl, org.AdminKey);
        await client.PageAsync("/endpoints/new");

        using var response = await client.PostAsync("/endpoints/new", new()
        {
            ["name"] = "form", ["url"] = QuietUrl, ["format"] = "envelope", ["rate_limit"] = rate, ["retry.jitter"] = rate,
        });

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableContent, response.StatusCode);
        Assert.Contains("must be a number of requests per second", html, StringComparison.Ordinal);
        Assert.Contains("must be a number from 0 to 0.5", html, StringComparison.Ordinal);
    }
}

/// <summary>
/// An event stored by a version that accepted unpaired surrogates (written here straight into the
/// SQLite file or the PostgreSQL database) reads as U+FFFD through the API, its list pages and the dashboard, and is delivered
/// — raw, envelope and template — with U+FFFD in place of each unpaired escape.
/// </summary>
public sealed class StoredUnpairedSurrogateTests
{
    private const string StoredData = """{"s":"\ud800","r":"\udc00\ud800","ok":"\ud83d\ude00","n":1}""";
    private const string RepairedData = """{"s":"\ufffd","r":"\ufffd\ufffd","ok":"\ud83d\ude00","n":1}""";

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task StoredEventWithAnUnpairedSurrogate_ReadsAndDeliversWithTheReplacementCharacter(string backend)
    {
        using var dir = TempDir.Create();
        await using var postgres = backend == "postgresql" ? await PostgresDatabase.CreateAsync() : null;
        Action<HeraldOptions>? onDatabase = postgres is null ? null : o => o.Database = postgres.ConnectionString;
        await using var receiver = await TestReceiver.StartAsync();
        receiver.DefaultResponse = ResponsePlan.Status(500);
        string eventId, orgKey;
        var endpoints = new Dictionary<string, string>();
        await using (var first = await HeraldTestServer.StartAsync(onDatabase, dataDir: dir.Path))
        {
            var org = await first.NewOrgAsync();
            orgKey = org.AdminKey;
            foreach (var format in (string[])["raw", "envelope", "template"])
            {
                var extra = new JsonObject { ["format"] = format };
                if (format == "template")
                {
                    extra["template"] = """{"s": {{ data.s | json }}, "r": {{ data.r | json }}, "by": {{ event.triggered_by | json }}}""";
                }
                var created = await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url("/" + format), extra));
                endpoints[format] = created.Str("id");
            }
            eventId = (await org.Client.PublishAsync("""{"type":"t.a","triggered_by":{"name":"before"},"data":{"s":"placeholder"}}""")).Str("id");
            await receiver.WaitForAsync(3, TimeSpan.FromSeconds(15));
            await WaitForAsync(async () => (await org.Client.ListAllAsync($"/v1/events/{eventId}/deliveries")).All(d => d.Str("status") == "failed"));
        }

        // What an older version would have stored for {"type":"t.a","triggered_by":{"name":"\udfff"},"data":…}.
        using (DbConnection connection = postgres is null
            ? new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(dir.Path, "herald.db"), Pooling = false }.ToString())
            : new NpgsqlConnection(postgres.ConnectionString))
        {
            connection.Open();
            using var update = connection.CreateCommand();
            update.CommandText = postgres is null
                ? "UPDATE events SET data = @data, triggered_by = @by WHERE id = @id"
                : "UPDATE events SET data = $1, triggered_by = $2 WHERE id = $3";
            foreach (var (name, value) in new (string, object)[] { ("@data", Encoding.UTF8.GetBytes(StoredData)), ("@by", """{"name":"\udfff"}"""), ("@id", eventId) })
            {
                var parameter = update.CreateParameter();
                if (postgres is null)
                {
                    parameter.ParameterName = name;
                }
                parameter.Value = value;
                update.Parameters.Add(parameter);
            }
            Assert.Equal(1, update.ExecuteNonQuery());
        }

        receiver.DefaultResponse = ResponsePlan.Ok;
        await using var server = await HeraldTestServer.StartAsync(onDatabase, dataDir: dir.Path);
        using var client = server.ClientFor(orgKey);

        using var one = await client.GetAsync($"/v1/events/{eventId}");
        var evt = await one.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("\uFFFD", evt.Str("data.s"));
        Assert.Equal("\uFFFD\uFFFD", evt.Str("data.r"));
        Assert.Equal("\U0001F600", evt.Str("data.ok"));
        Assert.Equal("\uFFFD", evt.Str("triggered_by.name"));
        var listed = Assert.Single(await client.ListAllAsync("/v1/events"));
        Assert.Equal("\uFFFD", listed.Str("data.s"));
        Assert.Single(await client.ListAllAsync("/v1/events?type=t.a&limit=1"));

        using var dashboard = await DashboardClient.SignInAsync(server.BaseUrl, orgKey);
        var page = await dashboard.PageAsync($"/events/{eventId}");
        Assert.Contains("\uFFFD", page, StringComparison.Ordinal);
        await dashboard.PageAsync("/events");

        foreach (var delivery in await client.ListAllAsync($"/v1/events/{eventId}/deliveries"))
        {
            using var retried = await client.PostAsync($"/v1/deliveries/{delivery.Str("id")}/retry", null);
            Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        }
        var sent = await receiver.WaitForAsync(6, TimeSpan.FromSeconds(15));
        var raw = sent.Skip(3).Single(r => r.PathAndQuery == "/raw");
        Assert.Equal(RepairedData, raw.BodyText);
        var envelope = JsonNode.Parse(sent.Skip(3).Single(r => r.PathAndQuery == "/envelope").Body)!;
        Assert.Equal("\uFFFD\uFFFD", envelope.Str("data.r"));
        Assert.Equal("\uFFFD", envelope.Str("triggered_by.name"));
        var template = JsonNode.Parse(sent.Skip(3).Single(r => r.PathAndQuery == "/template").Body)!;
        Assert.Equal("\uFFFD", template.Str("s"));
        Assert.Equal("\uFFFD\uFFFD", template.Str("r"));
        Assert.Equal("\uFFFD", template.Str("by.name"));
        await WaitForAsync(async () => (await client.ListAllAsync($"/v1/events/{eventId}/deliveries")).All(d => d.Str("status") == "succeeded"));
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 30 s");
            await Task.Delay(50);
        }
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using static Herald.Tests.Api.ApiTestSupport;

namespace Herald.Tests.Security;

/// <summary>
/// Input limits (docs/security.md, "Limits"): a body over its limit is 413 — the publish route's is
/// <c>--max-payload</c>, every other route's is 1 MiB — JSON nested deeper than 64 levels is 400,
/// and oversized fields and collections are 422 at their path. Nothing refused is stored.
/// </summary>
public sealed class LimitsTests : IAsyncLifetime
{
    private const int OneMiB = 1024 * 1024;
    private HeraldTestServer _server = null!;
    private TestOrg _org = null!;

    public async Task InitializeAsync()
    {
        _server = await HeraldTestServer.StartAsync();
        _org = await _server.NewOrgAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Publish_Returns413_WhenTheBodyIsOverMaxPayload()
    {
        using var response = await _org.Client.PostAsync("/v1/events", Json.Content(Padded(OneMiB + 1, "{\"type\":\"big.event\",\"data\":\"", "\"}")));

        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(await _org.Client.ListAllAsync("/v1/events"));
    }

    [Theory]
    [InlineData("POST", "/v1/endpoints")]
    [InlineData("PUT", "/v1/endpoints/{endpoint}")]
    [InlineData("PATCH", "/v1/endpoints/{endpoint}")]
    [InlineData("POST", "/v1/endpoints/{endpoint}/recover")]
    [InlineData("POST", "/v1/event-types")]
    [InlineData("PUT", "/v1/event-types/big.type")]
    [InlineData("POST", "/v1/keys")]
    [InlineData("POST", "/v1/applinks/import")]
    public async Task OtherRoutes_Return413_WhenTheBodyIsOverOneMiB(string method, string route)
    {
        var url = await RouteAsync(route);

        using var response = await SendAsync(_org.Client, method, url, Json.Content(Padded(OneMiB + 1), ContentTypeFor(method)));

        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task CreateOrg_Returns413_WhenTheBodyIsOverOneMiB()
    {
        using var response = await _server.Client.PostAsync("/v1/orgs", Json.Content(Padded(OneMiB + 1)));

        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task CreateEndpoint_Returns413_WhenAChunkedBodyGrowsOverOneMiB()
    {
        // No Content-Length: the limit must hold while the body streams in.
        var content = new StreamContent(new NonSeekableStream(Padded(OneMiB + 64)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await _org.Client.PostAsync("/v1/endpoints", content);

        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(await _org.Client.ListAllAsync("/v1/endpoints"));
    }

    [Fact]
    public async Task RaisingMaxPayload_RaisesThePublishLimitOnly()
    {
        await using var server = await HeraldTestServer.StartAsync(o => o.MaxPayload = 4 * OneMiB);
        var body = Padded(2 * OneMiB, "{\"type\":\"big.event\",\"data\":\"", "\"}");

        using var published = await server.Client.PostAsync("/v1/events", Json.Content(body));
        using var endpoint = await server.Client.PostAsync("/v1/endpoints", Json.Content(Padded(2 * OneMiB)));

        await published.ExpectStatusAsync(HttpStatusCode.Accepted);
        await endpoint.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("/v1/events", """{"type":"deep.event","data":""", "}")]
    [InlineData("/v1/endpoints", """{"name":"deep","url":"http://127.0.0.1:9/hook","metadata":{"deep":""", "}}")]
    [InlineData("/v1/event-types", """{"name":"deep.type","schema":{"default":""", "}}")]
    public async Task Json_NestedDeeperThan64_Returns400(string route, string prefix, string suffix)
    {
        // The body's own object is the first level; 64 arrays inside it make 65.
        var body = prefix + new string('[', 64) + new string(']', 64) + suffix;

        using var response = await _org.Client.PostAsync(route, Json.Content(body));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("depth", problem.Str("detail"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Json_Nested64Deep_IsAccepted()
    {
        var body = """{"type":"deep.event","data":""" + new string('[', 63) + new string(']', 63) + "}";

        using var response = await _org.Client.PostAsync("/v1/events", Json.Content(body));

        await response.ExpectStatusAsync(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task CreateEndpoint_Returns422AtName_ForA10000CharacterName()
    {
        using var response = await _org.Client.PostJsonAsync("/v1/endpoints", EndpointBody(QuietUrl, name: new string('n', 10_000)));

        await response.ExpectValidationErrorAsync("name");
        Assert.Empty(await _org.Client.ListAllAsync("/v1/endpoints"));
    }

    [Theory]
    [InlineData("url", 2049)]
    [InlineData("description", 2001)]
    [InlineData("source_field_key", 257)]
    public async Task CreateEndpoint_Returns422_ForAnOverlongField(string field, int length)
    {
        var value = field == "url" ? "http://127.0.0.1:9/" + new string('p', length - "http://127.0.0.1:9/".Length) : new string('x', length);

        using var response = await _org.Client.PostJsonAsync("/v1/endpoints", EndpointBody(QuietUrl, new JsonObject { [field] = value }));

        await response.ExpectValidationErrorAsync(field);
    }

    [Fact]
    public async Task CreateEndpoint_Returns422AtEventTypes_For101Patterns_AndAccepts100()
    {
        static JsonArray Patterns(int n) => new([.. Enumerable.Range(0, n).Select(i => (JsonNode)$"type.n{i}")]);

        using var tooMany = await _org.Client.PostJsonAsync("/v1/endpoints", EndpointBody(QuietUrl, new JsonObject { ["event_types"] = Patterns(101) }));
        using var enough = await _org.Client.PostJsonAsync("/v1/endpoints", EndpointBody(QuietUrl, new JsonObject { ["event_types"] = Patterns(100) }));

        await tooMany.ExpectValidationErrorAsync("event_types");
        await enough.ExpectStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task CreateEndpoint_Returns422AtHeaders_For51Headers_AndAccepts50()
    {
        static JsonArray Headers(int n) => new([.. Enumerable.Range(0, n).Select(i => (JsonNode)new JsonObject { ["name"] = $"X-H{i}", ["value"] = "v" })]);

        using var tooMany = await _org.Client.PostJsonAsync("/v1/endpoints", EndpointBody(QuietUrl, new JsonObject { ["headers"] = Headers(51) }));
        using var enough = await _org.Client.PostJsonAsync("/v1/endpoints", EndpointBody(QuietUrl, new JsonObject { ["headers"] = Headers(50) }));

        await tooMany.ExpectValidationErrorAsync("headers");
        await enough.ExpectStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task CreateEndpoint_Returns422AtTheHeaderValue_ForAnOverlongValue()
    {
        var headers = new JsonArray(new JsonObject { ["name"] = "X-Big", ["value"] = new string('v', 8193), ["sensitive"] = true });

        using var response = await _org.Client.PostJsonAsync("/v1/endpoints", EndpointBody(QuietUrl, new JsonObject { ["headers"] = headers }));

        await response.ExpectValidationErrorAsync("headers[0].value");
    }

    [Fact]
    public async Task Publish_Returns422AtIdempotencyKey_ForA300CharacterKey_AndAccepts255()
    {
        using var tooLong = await PublishWithKeyAsync(new string('k', 300));
        using var longest = await PublishWithKeyAsync(new string('k', 255));

        await tooLong.ExpectValidationErrorAsync("Idempotency-Key");
        await longest.ExpectStatusAsync(HttpStatusCode.Accepted);
        Assert.Single(await _org.Client.ListAllAsync("/v1/events"));
    }

    [Theory]
    [InlineData("/v1/events?limit=251")]
    [InlineData("/v1/endpoints?limit=251")]
    [InlineData("/v1/deliveries?limit=251")]
    public async Task List_Returns422AtLimit_Above250(string url)
    {
        using var response = await _org.Client.GetAsync(url);

        await response.ExpectValidationErrorAsync("limit");
    }

    private async Task<HttpResponseMessage> PublishWithKeyAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = Json.Content(new { type = "limits.checked", data = 1 }) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return await _org.Client.SendAsync(request);
    }

    /// <summary>The route with <c>{endpoint}</c> replaced by a fresh endpoint's id; the event type it names exists.</summary>
    private async Task<string> RouteAsync(string route)
    {
        if (route.Contains("{endpoint}", StringComparison.Ordinal))
        {
            var endpoint = await _org.Client.CreateEndpointAsync(EndpointBody(QuietUrl));
            return route.Replace("{endpoint}", endpoint.Str("id"), StringComparison.Ordinal);
        }
        if (route == "/v1/event-types/big.type")
        {
            using var created = await _org.Client.PostJsonAsync("/v1/event-types", new { name = "big.type" });
            Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"{(int)created.StatusCode}");
        }
        return route;
    }

    private static string ContentTypeFor(string method) => method == "PATCH" ? "application/merge-patch+json" : "application/json";

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string url, HttpContent content) =>
        client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url) { Content = content });

    /// <summary>A JSON object of exactly <paramref name="size"/> bytes: a prefix, a padding string, a suffix.</summary>
    private static byte[] Padded(int size, string prefix = "{\"name\":\"big\",\"description\":\"", string suffix = "\"}")
    {
        var bytes = new byte[size];
        var head = Encoding.UTF8.GetBytes(prefix);
        var tail = Encoding.UTF8.GetBytes(suffix);
        head.CopyTo(bytes, 0);
        bytes.AsSpan(head.Length, size - head.Length - tail.Length).Fill((byte)'x');
        tail.CopyTo(bytes, size - tail.Length);
        return bytes;
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

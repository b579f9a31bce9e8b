using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using static Herald.Tests.Api.ApiTestSupport;

namespace Herald.Tests.Api;

/// <summary>POST /v1/events: matching, idempotency and the test ping.</summary>
public sealed class PublishTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private HeraldTestServer Server => fixture.Server;

    [Fact]
    public async Task Publish_Returns413_WhenBodyTooLarge()
    {
        await using var server = await HeraldTestServer.StartAsync(o => o.MaxPayload = 1024);
        var org = await server.NewOrgAsync();
        var padding = new string('x', 1100);

        var tooLarge = await org.Client.PostJsonAsync("/v1/events", $$"""{"type": "big.event", "data": "{{padding}}"}""");
        var fits = await org.Client.PostJsonAsync("/v1/events", $$"""{"type": "big.event", "data": "{{padding[..900]}}"}""");

        var problem = await tooLarge.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.False(string.IsNullOrWhiteSpace(problem.Str("detail")));
        await fits.ExpectStatusAsync(HttpStatusCode.Accepted);
        Assert.Single(await org.Client.ListAllAsync("/v1/events"));
    }

    [Fact]
    public async Task Publish_Returns413_WhenAChunkedBodyGrowsTooLarge()
    {
        await using var server = await HeraldTestServer.StartAsync(o => o.MaxPayload = 1024);
        var org = await server.NewOrgAsync();
        var bytes = Encoding.UTF8.GetBytes($$"""{"type": "big.event", "data": "{{new string('y', 4000)}}"}""");
        // No Content-Length: the limit must hold while the body streams in.
        var content = new StreamContent(new NonSeekableStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await org.Client.PostAsync("/v1/events", content);

        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(await org.Client.ListAllAsync("/v1/events"));
    }

    [Fact]
    public async Task Publish_Returns422AtTypeAndData_WhenBothAreMissing()
    {
        var response = await Server.Client.PostJsonAsync("/v1/events", new { resource = new { type = "inspection", id = "audit_1" } });

        var problem = await response.ExpectValidationErrorAsync("type");
        Assert.NotNull(problem.At("errors")!["data"]);
    }

    [Theory]
    [InlineData("""{"data": 1}""", "type")]
    [InlineData("""{"type": "x.y"}""", "data")]
    [InlineData("""{"type": "", "data": 1}""", "type")]
    [InlineData("""{"type": 5, "data": 1}""", "type")]
    [InlineData("""{"type": "has space", "data": 1}""", "type")]
    [InlineData("""{"type": "herald.ping", "data": 1}""", "type")]
    [InlineData("""{"type": "herald.endpoint.disabled", "data": 1}""", "type")]
    [InlineData("""{"type": "HERALD.ping", "data": 1}""", "type")]
    [InlineData("""{"type": "Herald.endpoint.disabled", "data": 1}""", "type")]
    [InlineData("""{"type": "..", "data": 1}""", "type")]
    [InlineData("""{"type": ".", "data": 1}""", "type")]
    [InlineData("""{"type": ".ping", "data": 1}""", "type")]
    [InlineData("""{"type": "inspection..started", "data": 1}""", "type")]
    [InlineData("""{"type": "x.y", "data": 1, "occurred_at": "yesterday"}""", "occurred_at")]
    [InlineData("""{"type": "x.y", "data": 1, "occurred_at": "2017-06-29T05:15:19"}""", "occurred_at")]
    [InlineData("""{"type": "x.y", "data": 1, "occurred_at": 1498713319}""", "occurred_at")]
    [InlineData("""{"type": "x.y", "data": 1, "resource": {"type": "inspection"}}""", "resource.id")]
    [InlineData("""{"type": "x.y", "data": 1, "resource": "audit_1"}""", "resource")]
    [InlineData("""{"type": "x.y", "data": 1, "triggered_by": "John"}""", "triggered_by")]
    [InlineData("""{"type": "x.y", "data": 1, "endpoints": "ep_01J00000000000000000000000"}""", "endpoints")]
    [InlineData("""{"type": "x.y", "data": 1, "endpoints": ["not-an-id"]}""", "endpoints[0]")]
    [InlineData("""{"type": "x.y", "data": 1, "endpoints": ["ep_01J00000000000000000000000"]}""", "endpoints[0]")]
    [InlineData("""{"type": "x.y", "data": 1, "priority": "high"}""", "priority")]
    public async Task Publish_Returns422AtThePath_WhenTheBodyIsInvalid(string body, string path)
    {
        var org = await Server.NewOrgAsync();

        var response = await org.Client.PostJsonAsync("/v1/events", body);

        await response.ExpectValidationErrorAsync(path);
        Assert.Empty(await org.Client.ListAllAsync("/v1/events"));
    }

    [Fact]
    public async Task Publish_Returns400_WhenTheBodyIsMalformedJson()
    {
        var response = await Server.Client.PostJsonAsync("/v1/events", """{"type": "x.y", "data": {"a": 1,}}""");

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Publish_Returns415_WhenTheBodyIsNotJson()
    {
        var response = await Server.Client.PostAsync("/v1/events", new StringContent("""{"type": "x.y", "data": 1}""", Encoding.UTF8, "text/plain"));

        await response.ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Publish_DeliversTheDataByteForByte_ToARawEndpoint()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var org = await Server.NewOrgAsync();
        await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url(), new JsonObject { ["format"] = "raw" }));

        await org.Client.PublishAsync("""{"type":"x.y","data": {"b" : 1,  "a":[1, 2 ]}}""");

        var request = Assert.Single(await receiver.WaitForAsync(1, Wait));
        Assert.Equal("""{"b" : 1,  "a":[1, 2 ]}""", request.BodyText);
        Assert.Equal(Encoding.UTF8.GetBytes("""{"b" : 1,  "a":[1, 2 ]}"""), request.Body);
    }

    [Theory]
    [InlineData("""{"s":"caf\u00e9 \ud83d\ude00","n":1.50,"e":1E3,"z":-0}""")]
    [InlineData("""[ 1 ,2,"three" ]""")]
    [InlineData("\"plain text\"")]
    [InlineData("42.000")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("{\n  \"multi\": \"line\"\n}")]
    public async Task Publish_KeepsAnyJsonDataExactly(string data)
    {
        await using var receiver = await TestReceiver.StartAsync();
        var org = await Server.NewOrgAsync();
        await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url(), new JsonObject { ["format"] = "raw" }));

        await org.Client.PublishAsync($$"""{"type": "raw.value", "data": {{data}} }""");

        var request = Assert.Single(await receiver.WaitForAsync(1, Wait));
        Assert.Equal(data, request.BodyText);
    }

    [Fact]
    public async Task Publish_Returns202WithTheDocumentedShape_CountingMatchingEnabledEndpoints()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var org = await Server.NewOrgAsync();
        await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url("/one")));
        await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url("/two")));
        await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url("/off"), new JsonObject { ["enabled"] = false }));
        await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url("/other"), new JsonObject { ["event_types"] = new JsonArray("other.type") }));

        var response = await org.Client.PostJsonAsync("/v1/events", new { type = "shape.check", data = new { n = 1 } });

        var body = await response.ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["created_at", "deliveries", "id", "type"], body.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.StartsWith("evt_", body.Str("id"));
        Assert.Equal(30, body.Str("id").Length);
        Assert.Equal("shape.check", body.Str("type"));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", body.Str("created_at"));
        Assert.Equal(2, body.At("deliveries")!.GetValue<int>());
        var requests = await receiver.WaitForAsync(2, Wait);
        Assert.Equal(["/one", "/two"], requests.Select(r => r.Path).Order(StringComparer.Ordinal));

        var none = await org.Client.PublishAsync(new { type = "herald-free.but.unmatched", data = 1, endpoints = Array.Empty<string>() });
        Assert.Equal(0, none.At("deliveries")!.GetValue<int>());
    }

    [Fact]
    public async Task Publish_SendsTheEnvelopeWithTheDocumentedHeaders()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var org = await Server.NewOrgAsync();
        var endpointId = (await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url()))).Str("id");

        var accepted = await org.Client.PublishAsync(JsonNode.Parse("""
            {"type": "inspection.started",
             "resource": {"type": "inspection", "id": "audit_7e9ee886"},
             "triggered_by": {"type": "user", "id": "user_bb5b6ba0", "name": "John Smith"},
             "occurred_at": "2017-06-29T05:15:19.136Z",
             "data": {"audit_id": "audit_7e9ee886", "score": 0}}
            """)!);

        var request = Assert.Single(await receiver.WaitForAsync(1, Wait));
        var deliveryId = (await (await org.Client.GetAsync($"/v1/events/{accepted.Str("id")}/deliveries")).ReadJsonAsync(HttpStatusCode.OK)).Str("data[0].id");
        Json.AssertEqual(new
        {
            version = "1.0.0",
            type = "inspection.started",
            timestamp = "2017-06-29T05:15:19.136Z",
            event_id = accepted.Str("id"),
            endpoint_id = endpointId,
            delivery_id = deliveryId,
            triggered_by = new { type = "user", id = "user_bb5b6ba0", name = "John Smith" },
            resource = new { type = "inspection", id = "audit_7e9ee886" },
            data = new { audit_id = "audit_7e9ee886", score = 0 },
        }, request.Json());
        Assert.Equal("POST", request.Method);
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Equal("application/json", request.Header("Accept"));
        Assert.StartsWith("Herald/", request.Header("User-Agent"));
        Assert.Equal(deliveryId, request.Header("webhook-id"));
        Assert.NotNull(request.Header("webhook-timestamp"));
        Assert.StartsWith("v1,", request.Header("webhook-signature"));
    }

    [Fact]
    public async Task IdempotencyKey_ReplaysTheFirstResponse_AndCreatesNothingMore()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var org = await Server.NewOrgAsync();
        await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url()));
        const string body = """{"type": "order.paid", "data": {"order": 17}}""";

        var first = await PublishWithKeyAsync(org.Client, "order-17-paid", body);
        var second = await PublishWithKeyAsync(org.Client, "order-17-paid", body);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(first.StatusCode, second.StatusCode);
        var firstBytes = await first.Content.ReadAsByteArrayAsync();
        Assert.Equal(firstBytes, await second.Content.ReadAsByteArrayAsync());
        var eventId = JsonNode.Parse(firstBytes)!.Str("id");
        Assert.Equal([eventId], (await org.Client.ListAllAsync("/v1/events")).Ids());
        Assert.Single(await org.Client.ListAllAsync("/v1/deliveries"));
        await receiver.WaitForAsync(1, Wait);
        await Task.Delay(300);
        Assert.Equal(1, receiver.Count);
    }

    [Fact]
    public async Task IdempotencyKey_Returns422_WhenReusedWithADifferentBody()
    {
        var org = await Server.NewOrgAsync();
        var first = await PublishWithKeyAsync(org.Client, "k-1", """{"type": "order.paid", "data": {"order": 17}}""");
        await first.ExpectStatusAsync(HttpStatusCode.Accepted);

        var changed = await PublishWithKeyAsync(org.Client, "k-1", """{"type": "order.paid", "data": {"order": 18}}""");
        // Bytes are compared, not meaning: the same JSON with other spacing is another body.
        var respaced = await PublishWithKeyAsync(org.Client, "k-1", """{"type":"order.paid","data":{"order":17}}""");

        await changed.ExpectProblemAsync((HttpStatusCode)422);
        await respaced.ExpectProblemAsync((HttpStatusCode)422);
        Assert.Single(await org.Client.ListAllAsync("/v1/events"));
    }

    [Fact]
    public async Task IdempotencyKey_IsNotStored_WhenTheFirstRequestFailed()
    {
        var org = await Server.NewOrgAsync();

        var invalid = await PublishWithKeyAsync(org.Client, "retry-after-fix", """{"type": "herald.nope", "data": 1}""");
        var fixedBody = await PublishWithKeyAsync(org.Client, "retry-after-fix", """{"type": "fixed.type", "data": 1}""");

        await invalid.ExpectProblemAsync((HttpStatusCode)422);
        var accepted = await fixedBody.ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("fixed.type", accepted.Str("type"));
    }

    [Fact]
    public async Task IdempotencyKey_IsScopedToTheOrganization()
    {
        var orgA = await Server.NewOrgAsync();
        var orgB = await Server.NewOrgAsync();
        const string body = """{"type": "order.paid", "data": {"order": 1}}""";

        var a = await (await PublishWithKeyAsync(orgA.Client, "shared-key", body)).ReadJsonAsync(HttpStatusCode.Accepted);
        var b = await (await PublishWithKeyAsync(orgB.Client, "shared-key", body)).ReadJsonAsync(HttpStatusCode.Accepted);
        var bDifferent = await PublishWithKeyAsync(orgB.Client, "shared-key", """{"type": "order.paid", "data": {"order": 2}}""");

        Assert.NotEqual(a.Str("id"), b.Str("id"));
        await bDifferent.ExpectProblemAsync((HttpStatusCode)422);
        Assert.Equal([a.Str("id")], (await orgA.Client.ListAllAsync("/v1/events")).Ids());
        Assert.Equal([b.Str("id")], (await orgB.Client.ListAllAsync("/v1/events")).Ids());
    }

    [Fact]
    public async Task IdempotencyKey_CreatesOneEvent_UnderConcurrentIdenticalRequests()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var org = await Server.NewOrgAsync();
        await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url()));
        const string body = """{"type": "order.paid", "data": {"order": 99}}""";
        using var start = new ManualResetEventSlim();

        var tasks = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            var response = await PublishWithKeyAsync(org.Client, "concurrent-key", body);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(tasks);

        Assert.All(results, r => Assert.True(r.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Conflict,
            $"Expected 202 or 409, got {(int)r.StatusCode}: {r.Body}"));
        var accepted = results.Where(r => r.StatusCode == HttpStatusCode.Accepted).Select(r => r.Body).Distinct().ToList();
        var only = Assert.Single(accepted);
        var eventId = JsonNode.Parse(only)!.Str("id");
        Assert.Equal([eventId], (await org.Client.ListAllAsync("/v1/events")).Ids());
        Assert.Single(await org.Client.ListAllAsync("/v1/deliveries"));
        await receiver.WaitForAsync(1, Wait);
        var replay = await PublishWithKeyAsync(org.Client, "concurrent-key", body);
        Assert.Equal(only, await replay.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task IdempotencyKey_Returns422_WhenItIsNotPrintableAscii()
    {
        var response = await PublishWithKeyAsync(Server.Client, new string('k', 256), """{"type": "x.y", "data": 1}""");

        await response.ExpectProblemAsync((HttpStatusCode)422);
    }

    [Fact]
    public async Task Endpoints_NarrowsTheFanOut_ToTheListedEndpoints()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var org = await Server.NewOrgAsync();
        var a = (await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url("/a")))).Str("id");
        var b = (await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url("/b")))).Str("id");
        var picky = (await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url("/picky"), new JsonObject { ["event_types"] = new JsonArray("other.type") }))).Str("id");

        var toB = await org.Client.PublishAsync(new { type = "notify.user", data = new { user = 1 }, endpoints = new[] { b } });
        // Filters still apply to the listed endpoints, and a repeated id counts once.
        var filtered = await org.Client.PublishAsync(new { type = "notify.user", data = new { user = 2 }, endpoints = new[] { picky, b, b } });

        Assert.Equal(1, toB.At("deliveries")!.GetValue<int>());
        Assert.Equal([b], (await org.Client.ListAllAsync($"/v1/events/{toB.Str("id")}/deliveries")).Select(d => d.Str("endpoint_id")));
        Assert.Equal(1, filtered.At("deliveries")!.GetValue<int>());
        Assert.Equal([b], (await org.Client.ListAllAsync($"/v1/events/{filtered.Str("id")}/deliveries")).Select(d => d.Str("endpoint_id")));
        var requests = await receiver.WaitForAsync(2, Wait);
        Assert.All(requests, r => Assert.Equal("/b", r.Path));
        Assert.Empty(await org.Client.ListAllAsync($"/v1/deliveries?endpoint_id={a}"));
        Assert.Empty(await org.Client.ListAllAsync($"/v1/deliveries?endpoint_id={picky}"));
    }

    [Fact]
    public async Task EventTypesAndEntityTypes_SelectTheMatchingEndpoints()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var org = await Server.NewOrgAsync();
        var all = await Endpoint(org, receiver, "/all", new JsonObject());
        var prefix = await Endpoint(org, receiver, "/prefix", new JsonObject { ["event_types"] = new JsonArray("inspection.*") });
        var exact = await Endpoint(org, receiver, "/exact", new JsonObject { ["event_types"] = new JsonArray("inspection.completed", "observation.created") });
        var entity = await Endpoint(org, receiver, "/entity", new JsonObject { ["entity_types"] = new JsonArray("inspection") });
        var both = await Endpoint(org, receiver, "/both", new JsonObject
        {
            ["event_types"] = new JsonArray("inspection.*"),
            ["entity_types"] = new JsonArray("inspection"),
        });
        var star = await Endpoint(org, receiver, "/star", new JsonObject { ["event_types"] = new JsonArray("*") });
        await Endpoint(org, receiver, "/disabled", new JsonObject { ["enabled"] = false });

        var cases = new (object Event, string[] Expected)[]
        {
            (new { type = "inspection.started", resource = new { type = "inspection", id = "audit_1" }, data = 1 }, [all, prefix, entity, both, star]),
            (new { type = "inspection.completed", data = 2 }, [all, prefix, exact, star]),
            (new { type = "observation.created", resource = new { type = "observation", id = "obs_1" }, data = 3 }, [all, exact, star]),
            (new { type = "inspectionx.started", resource = new { type = "inspection", id = "audit_2" }, data = 4 }, [all, entity, star]),
            (new { type = "Inspection.started", data = 5 }, [all, star]),
        };
        var total = 0;
        foreach (var (evt, expected) in cases)
        {
            var accepted = await org.Client.PublishAsync(evt);
            var targets = (await org.Client.ListAllAsync($"/v1/events/{accepted.Str("id")}/deliveries")).Select(d => d.Str("endpoint_id"));
            Assert.Equal(expected.Length, accepted.At("deliveries")!.GetValue<int>());
            Assert.Equal(expected.Order(StringComparer.Ordinal), targets.Order(StringComparer.Ordinal));
            total += expected.Length;
        }

        var received = await receiver.WaitForAsync(total, Wait);
        Assert.DoesNotContain(received, r => r.Path == "/disabled");
    }

    [Fact]
    public async Task Test_SendsAPingToThatEndpointOnly_AndReturnsTheAttempt()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var org = await Server.NewOrgAsync();
        var target = await Endpoint(org, receiver, "/target", new JsonObject { ["event_types"] = new JsonArray("only.this") });
        await Endpoint(org, receiver, "/ops", new JsonObject { ["event_types"] = new JsonArray("herald.*") });
        await Endpoint(org, receiver, "/everything", new JsonObject());

        var response = await org.Client.PostAsync($"/v1/endpoints/{target}/test", null);

        var attempt = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["delivery_id", "duration_ms", "error", "id", "request", "response", "started_at"],
            attempt.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.StartsWith("att_", attempt.Str("id"));
        Assert.StartsWith("dlv_", attempt.Str("delivery_id"));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", attempt.Str("started_at"));
        Assert.True(attempt.At("duration_ms")!.GetValue<int>() >= 0);
        Assert.Equal("POST", attempt.Str("request.method"));
        Assert.Equal(receiver.Url("/target"), attempt.Str("request.url"));
        Assert.IsType<JsonObject>(attempt.At("request.headers"));
        Assert.Equal(200, attempt.At("response.status")!.GetValue<int>());
        Assert.IsType<JsonObject>(attempt.At("response.headers"));
        Assert.Equal(ResponsePlan.DefaultBody, attempt.Str("response.body"));
        Assert.Null(attempt.At("error"));

        // The attempt happened before the answer: the receiver already has the ping.
        var ping = Assert.Single(receiver.Requests);
        Assert.Equal("/target", ping.Path);
        Assert.Equal("herald.ping", ping.Json().Str("type"));
        Assert.Equal(attempt.Str("delivery_id"), ping.Header("webhook-id"));
        var logged = attempt.At("request.headers")!.AsObject();
        Assert.Equal(attempt.Str("delivery_id"), logged.First(h => h.Key.Equals("webhook-id", StringComparison.OrdinalIgnoreCase)).Value!.GetValue<string>());

        // Stored as an event with one delivery, to this endpoint.
        var events = await org.Client.ListAllAsync("/v1/events?type=herald.ping");
        var evt = Assert.Single(events);
        var deliveries = await org.Client.ListAllAsync($"/v1/events/{evt.Str("id")}/deliveries");
        var delivery = Assert.Single(deliveries);
        Assert.Equal(target, delivery.Str("endpoint_id"));
        Assert.Equal(attempt.Str("delivery_id"), delivery.Str("id"));
        await Task.Delay(300);
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task Test_MasksAuthorizationAndSensitiveHeaders_InTheAttempt_ButSendsThem()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var org = await Server.NewOrgAsync();
        var target = await Endpoint(org, receiver, "/auth", JsonNode.Parse("""
            {"auth": {"type": "basic", "username": "station", "password": "pa55word"},
             "headers": [{"name": "X-Api-Token", "value": "s3cr3t", "sensitive": true}, {"name": "X-Env", "value": "prod"}]}
            """)!.AsObject());

        var attempt = await (await org.Client.PostAsync($"/v1/endpoints/{target}/test", null)).ReadJsonAsync(HttpStatusCode.OK);

        var sent = Assert.Single(receiver.Requests);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("station:pa55word")), sent.Header("Authorization"));
        Assert.Equal("s3cr3t", sent.Header("X-Api-Token"));
        var logged = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in attempt.At("request.headers")!.AsObject())
        {
            logged[name] = value!.GetValue<string>();
        }
        Assert.Equal("Basic ********", logged["Authorization"]);
        Assert.Equal("********", logged["X-Api-Token"]);
        Assert.Equal("prod", logged["X-Env"]);
        var text = attempt.ToJsonString(Json.Verbatim);
        Assert.DoesNotContain("s3cr3t", text);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("station:pa55word")), text);
    }

    [Fact]
    public async Task Publish_SeesEndpointChangesAtOnce()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var org = await Server.NewOrgAsync();
        var id = await Endpoint(org, receiver, "/changing", new JsonObject { ["event_types"] = new JsonArray("a.b") });

        async Task<int> Count() => (await org.Client.PublishAsync(new { type = "c.d", data = 1 })).At("deliveries")!.GetValue<int>();

        Assert.Equal(0, await Count());
        await (await org.Client.PatchJsonAsync($"/v1/endpoints/{id}", new { event_types = new[] { "c.*" } })).ExpectStatusAsync(HttpStatusCode.OK);
        Assert.Equal(1, await Count());
        await (await org.Client.PostAsync($"/v1/endpoints/{id}/disable", null)).ExpectStatusAsync(HttpStatusCode.OK);
        Assert.Equal(0, await Count());
        await (await org.Client.PostAsync($"/v1/endpoints/{id}/enable", null)).ExpectStatusAsync(HttpStatusCode.OK);
        Assert.Equal(1, await Count());
        await (await org.Client.DeleteAsync($"/v1/endpoints/{id}")).ExpectStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(0, await Count());
        var gone = await org.Client.PostJsonAsync("/v1/events", new { type = "c.d", data = 1, endpoints = new[] { id } });
        await gone.ExpectValidationErrorAsync("endpoints[0]");
    }

    [Fact]
    public async Task Test_ReportsAFailedAttempt_WithTheReceiversAnswer()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.DefaultResponse = ResponsePlan.Status(503, """{"error":"down for maintenance"}""");
        var org = await Server.NewOrgAsync();
        var target = await Endpoint(org, receiver, "/down", new JsonObject());

        var attempt = await (await org.Client.PostAsync($"/v1/endpoints/{target}/test", null)).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(503, attempt.At("response.status")!.GetValue<int>());
        Assert.Equal("""{"error":"down for maintenance"}""", attempt.Str("response.body"));
    }

    [Fact]
    public async Task Test_ReportsAConnectionFailure_WithNoResponseAndAnError()
    {
        var org = await Server.NewOrgAsync();
        var target = (await org.Client.CreateEndpointAsync(EndpointBody(QuietUrl))).Str("id");

        var attempt = await (await org.Client.PostAsync($"/v1/endpoints/{target}/test", null)).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Null(attempt.At("response"));
        Assert.False(string.IsNullOrWhiteSpace(attempt.Str("error")));
        Assert.Equal(QuietUrl, attempt.Str("request.url"));
    }

    [Fact]
    public async Task OperationalEvents_ReachOnlyEndpointsThatListThem()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Responder = (request, _) => request.Path == "/gone" ? ResponsePlan.Status(410) : ResponsePlan.Ok;
        var org = await Server.NewOrgAsync();
        var gone = await Endpoint(org, receiver, "/gone", new JsonObject { ["event_types"] = new JsonArray("trigger.only") });
        var quiet = await Endpoint(org, receiver, "/no-filter", new JsonObject());
        var star = await Endpoint(org, receiver, "/star", new JsonObject { ["event_types"] = new JsonArray("*") });
        var ops = await Endpoint(org, receiver, "/ops", new JsonObject { ["event_types"] = new JsonArray("herald.*") });
        var exactOps = await Endpoint(org, receiver, "/ops-exact", new JsonObject { ["event_types"] = new JsonArray("herald.endpoint.disabled") });

        // The test ping answered 410 Gone disables the endpoint, which publishes herald.endpoint.disabled.
        var attempt = await (await org.Client.PostAsync($"/v1/endpoints/{gone}/test", null)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(410, attempt.At("response.status")!.GetValue<int>());

        var notices = await receiver.WaitForAsync(2, Wait, r => r.Path is "/ops" or "/ops-exact");
        Assert.All(notices, n =>
        {
            var body = n.Json();
            Assert.Equal("herald.endpoint.disabled", body.Str("type"));
            Assert.Equal(gone, body.Str("data.endpoint_id"));
        });
        var disabledEvent = Assert.Single(await org.Client.ListAllAsync("/v1/events?type=herald.endpoint.disabled"));
        var targets = (await org.Client.ListAllAsync($"/v1/events/{disabledEvent.Str("id")}/deliveries")).Select(d => d.Str("endpoint_id"));
        Assert.Equal(new[] { ops, exactOps }.Order(StringComparer.Ordinal), targets.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(receiver.Requests, r => r.Path is "/no-filter" or "/star");
        Assert.Empty(await org.Client.ListAllAsync($"/v1/deliveries?endpoint_id={quiet}"));
        Assert.Empty(await org.Client.ListAllAsync($"/v1/deliveries?endpoint_id={star}"));

        var endpoint = await (await org.Client.GetAsync($"/v1/endpoints/{gone}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.False(endpoint.At("enabled")!.GetValue<bool>());
        Assert.False(string.IsNullOrWhiteSpace(endpoint.Str("disabled_reason")));
    }

    private static async Task<string> Endpoint(TestOrg org, TestReceiver receiver, string path, JsonObject extra) =>
        (await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url(path), extra))).Str("id");

    private static Task<HttpResponseMessage> PublishWithKeyAsync(HttpClient client, string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = Json.Content(body) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    /// <summary>A stream HttpClient cannot measure, so the body goes out chunked.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

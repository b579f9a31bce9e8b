using System.Net;
using System.Text.Json.Nodes;
using static Herald.Tests.Api.ApiTestSupport;

namespace Herald.Tests.Api;

/// <summary>Keys, roles and tenant isolation (docs/security.md, "Callers of the API: roles and keys").</summary>
public sealed class AuthAndTenancyTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HeraldTestServer Server => fixture.Server;

    [Theory]
    [InlineData("GET", "/v1/endpoints")]
    [InlineData("POST", "/v1/events")]
    [InlineData("GET", "/v1/keys")]
    [InlineData("GET", "/v1/orgs")]
    [InlineData("GET", "/v1/no-such-route")]
    [InlineData("DELETE", "/v1/endpoints/ep_01J00000000000000000000000")]
    public async Task Request_Returns401WithBearerChallenge_WhenNoKeyIsSent(string method, string path)
    {
        using var anonymous = Server.ClientFor(null);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = Json.Content(new { type = "a.b", data = 1 });
        }

        var response = await anonymous.SendAsync(request);

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Theory]
    [InlineData("hk_this_key_was_never_issued_0000000000000000")]
    [InlineData("x")]
    [InlineData("")]
    public async Task Request_Returns401_WhenTheKeyIsNotValid(string key)
    {
        using var client = Server.ClientFor(null);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + key);

        var response = await client.GetAsync("/v1/endpoints");

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task Request_Returns401_WhenTheKeyIsSentWithAnotherScheme()
    {
        using var client = Server.ClientFor(null);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Basic " + HeraldTestServer.AdminKey);

        var response = await client.GetAsync("/v1/endpoints");

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task CreateKey_ShowsTheKeyOnce_AndTheListNeverShowsKeyValues()
    {
        var org = await Server.NewOrgAsync();

        var publisher = await CreateKeyAsync(org, "ci-publisher", "publisher");
        var viewer = await CreateKeyAsync(org, "dashboard", "viewer");

        foreach (var (created, name, role) in new[] { (publisher, "ci-publisher", "publisher"), (viewer, "dashboard", "viewer") })
        {
            Assert.StartsWith("key_", created.Str("id"));
            Assert.Equal(name, created.Str("name"));
            Assert.Equal(role, created.Str("role"));
            Assert.EndsWith("Z", created.Str("created_at"));
            Assert.StartsWith("hk_", created.Str("key"));
        }
        Assert.NotEqual(publisher.Str("key"), viewer.Str("key"));

        var keys = await org.Client.ListAllAsync("/v1/keys");
        var listText = JsonSerializerText(keys);
        Assert.Contains(keys, k => k.Str("id") == publisher.Str("id") && k.Str("role") == "publisher");
        Assert.Contains(keys, k => k.Str("id") == viewer.Str("id") && k.Str("role") == "viewer");
        Assert.Contains(keys, k => k.Str("role") == "admin");
        Assert.All(keys, k =>
        {
            Assert.Null(k.At("key"));
            Assert.True(k.AsObject().ContainsKey("last_used_at"), $"last_used_at is missing in {k.ToJsonString()}");
        });
        Assert.DoesNotContain(publisher.Str("key"), listText);
        Assert.DoesNotContain(viewer.Str("key"), listText);
        Assert.DoesNotContain(org.AdminKey, listText);
    }

    [Theory]
    [InlineData("""{"name": "k"}""", "role")]
    [InlineData("""{"role": "viewer"}""", "name")]
    [InlineData("""{"name": "k", "role": "operator"}""", "role")]
    [InlineData("""{"name": "k", "role": "owner"}""", "role")]
    [InlineData("""{"name": "k", "role": "viewer", "scopes": []}""", "scopes")]
    public async Task CreateKey_Returns422AtThePath_WhenTheBodyIsInvalid(string body, string path)
    {
        var org = await Server.NewOrgAsync();

        var response = await org.Client.PostJsonAsync("/v1/keys", body);

        await response.ExpectValidationErrorAsync(path);
    }

    [Fact]
    public async Task Viewer_MayReadButNotWriteOrPublish()
    {
        var org = await Server.NewOrgAsync();
        var endpointId = (await org.Client.CreateEndpointAsync(new { name = Unique("ep"), url = QuietUrl, event_types = new[] { "nothing.matches" } })).Str("id");
        using var viewer = Server.ClientFor((await CreateKeyAsync(org, "viewer", "viewer")).Str("key"));

        await (await viewer.GetAsync("/v1/endpoints")).ExpectStatusAsync(HttpStatusCode.OK);
        await (await viewer.GetAsync($"/v1/endpoints/{endpointId}")).ExpectStatusAsync(HttpStatusCode.OK);
        await (await viewer.GetAsync("/v1/events")).ExpectStatusAsync(HttpStatusCode.OK);
        await (await viewer.GetAsync("/v1/deliveries")).ExpectStatusAsync(HttpStatusCode.OK);
        await (await viewer.GetAsync("/v1/event-types")).ExpectStatusAsync(HttpStatusCode.OK);

        await (await viewer.PostJsonAsync("/v1/endpoints", new { name = Unique("ep"), url = QuietUrl })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PatchJsonAsync($"/v1/endpoints/{endpointId}", new { description = "x" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.DeleteAsync($"/v1/endpoints/{endpointId}")).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostJsonAsync("/v1/events", new { type = "a.b", data = new { } })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostJsonAsync("/v1/event-types", new { name = "a.b" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.GetAsync("/v1/keys")).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostJsonAsync("/v1/keys", new { name = "escalate", role = "admin" })).ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.Empty(await org.Client.ListAllAsync("/v1/events"));
        Assert.Single(await org.Client.ListAllAsync("/v1/endpoints"));
    }

    [Fact]
    public async Task Publisher_MayPublishAndRead_ButNotManageEndpointsOrKeys()
    {
        var org = await Server.NewOrgAsync();
        using var publisher = Server.ClientFor((await CreateKeyAsync(org, "publisher", "publisher")).Str("key"));

        var accepted = await publisher.PublishAsync(new { type = "inspection.started", data = new { audit_id = "a1" } });
        await (await publisher.GetAsync($"/v1/events/{accepted.Str("id")}")).ExpectStatusAsync(HttpStatusCode.OK);
        await (await publisher.GetAsync("/v1/endpoints")).ExpectStatusAsync(HttpStatusCode.OK);

        await (await publisher.PostJsonAsync("/v1/endpoints", new { name = Unique("ep"), url = QuietUrl })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await publisher.GetAsync("/v1/keys")).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await publisher.PostJsonAsync("/v1/keys", new { name = "escalate", role = "admin" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await publisher.PostJsonAsync("/v1/orgs", new { name = Unique("org") })).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Admin_MayCreateAnotherAdminKey_ThatWorks()
    {
        var org = await Server.NewOrgAsync();

        using var second = Server.ClientFor((await CreateKeyAsync(org, "second admin", "admin")).Str("key"));

        await second.CreateEndpointAsync(new { name = Unique("ep"), url = QuietUrl });
        await (await second.GetAsync("/v1/keys")).ExpectStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task DeletedKey_Returns401Immediately()
    {
        var org = await Server.NewOrgAsync();
        var created = await CreateKeyAsync(org, "short-lived", "publisher");
        using var client = Server.ClientFor(created.Str("key"));
        // Used once, so any cache in front of the key store already knows it.
        await (await client.GetAsync("/v1/events")).ExpectStatusAsync(HttpStatusCode.OK);

        var deleted = await org.Client.DeleteAsync($"/v1/keys/{created.Str("id")}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await (await client.GetAsync("/v1/events")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.PostJsonAsync("/v1/events", new { type = "a.b", data = 1 })).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.DoesNotContain(await org.Client.ListAllAsync("/v1/keys"), k => k.Str("id") == created.Str("id"));
        await (await org.Client.DeleteAsync($"/v1/keys/{created.Str("id")}")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AdminOfANewOrganization_IsNotAnOperator()
    {
        var org = await Server.NewOrgAsync();

        await (await org.Client.PostJsonAsync("/v1/orgs", new { name = Unique("org") })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await org.Client.GetAsync("/v1/orgs")).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Operator_CreatesAndListsOrganizations_AndADuplicateNameIs409()
    {
        var name = Unique("acme");

        var created = await (await Server.Client.PostJsonAsync("/v1/orgs", new { name })).ReadJsonAsync(HttpStatusCode.Created);
        var duplicate = await Server.Client.PostJsonAsync("/v1/orgs", new { name });

        Assert.StartsWith("org_", created.Str("id"));
        Assert.Equal(name, created.Str("name"));
        Assert.EndsWith("Z", created.Str("created_at"));
        Assert.StartsWith("hk_", created.Str("admin_key"));
        await duplicate.ExpectProblemAsync(HttpStatusCode.Conflict);

        var orgs = await Server.Client.ListAllAsync("/v1/orgs");
        var listed = Assert.Single(orgs, o => o.Str("id") == created.Str("id"));
        Assert.Equal(name, listed.Str("name"));
        Assert.Null(listed.At("admin_key"));
        Assert.Contains(orgs, o => o.Str("name") == "default");
    }

    [Theory]
    [InlineData("""{}""", "name")]
    [InlineData("""{"name": ""}""", "name")]
    [InlineData("""{"name": "x", "plan": "gold"}""", "plan")]
    public async Task CreateOrg_Returns422AtThePath_WhenTheBodyIsInvalid(string body, string path)
    {
        var response = await Server.Client.PostJsonAsync("/v1/orgs", body);

        await response.ExpectValidationErrorAsync(path);
    }

    [Fact]
    public async Task AnotherOrganization_Gets404ForEveryResourceOfThisOne()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var orgA = await Server.NewOrgAsync();
        var orgB = await Server.NewOrgAsync();
        var endpoint = await orgA.Client.CreateEndpointAsync(EndpointBody(receiver.Url(), name: "a-private-endpoint-name"));
        var endpointId = endpoint.Str("id");
        var published = await orgA.Client.PublishAsync(new { type = "secret.plan", data = new { codename = "a-private-codename" } });
        var eventId = published.Str("id");
        await receiver.WaitForAsync(1, TimeSpan.FromSeconds(10));
        var deliveryId = (await (await orgA.Client.GetAsync($"/v1/events/{eventId}/deliveries")).ReadJsonAsync(HttpStatusCode.OK)).Str("data[0].id");
        var keyId = (await CreateKeyAsync(orgA, "a-key", "viewer")).Str("id");
        var b = orgB.Client;

        var attempts = new (string What, Func<Task<HttpResponseMessage>> Send)[]
        {
            ("GET endpoint", () => b.GetAsync($"/v1/endpoints/{endpointId}")),
            ("PUT endpoint", () => b.PutJsonAsync($"/v1/endpoints/{endpointId}", new { name = "taken-over", url = QuietUrl })),
            ("PATCH endpoint", () => b.PatchJsonAsync($"/v1/endpoints/{endpointId}", new { url = QuietUrl })),
            ("enable", () => b.PostAsync($"/v1/endpoints/{endpointId}/enable", null)),
            ("disable", () => b.PostAsync($"/v1/endpoints/{endpointId}/disable", null)),
            ("test", () => b.PostAsync($"/v1/endpoints/{endpointId}/test", null)),
            ("recover", () => b.PostJsonAsync($"/v1/endpoints/{endpointId}/recover", new { since = "2020-01-01T00:00:00.000Z" })),
            ("rotate", () => b.PostAsync($"/v1/endpoints/{endpointId}/secret/rotate", null)),
            ("GET event", () => b.GetAsync($"/v1/events/{eventId}")),
            ("GET event deliveries", () => b.GetAsync($"/v1/events/{eventId}/deliveries")),
            ("GET delivery", () => b.GetAsync($"/v1/deliveries/{deliveryId}")),
            ("retry delivery", () => b.PostAsync($"/v1/deliveries/{deliveryId}/retry", null)),
            ("DELETE key", () => b.DeleteAsync($"/v1/keys/{keyId}")),
            ("DELETE endpoint", () => b.DeleteAsync($"/v1/endpoints/{endpointId}")),
        };
        foreach (var (what, send) in attempts)
        {
            var response = await send();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound,
                $"{what}: expected 404, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            var text = await response.Content.ReadAsStringAsync();
            foreach (var leak in (string[])[orgA.Id, orgA.Name, "a-private-endpoint-name", "a-private-codename"])
            {
                Assert.DoesNotContain(leak, text);
            }
        }

        // Nothing of A changed, and A's endpoint still receives (so the test did not reach it either).
        Assert.Equal(1, receiver.Count);
        var stillThere = await (await orgA.Client.GetAsync($"/v1/endpoints/{endpointId}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("a-private-endpoint-name", stillThere.Str("name"));
        Assert.Equal(receiver.Url(), stillThere.Str("url"));
        Assert.True(stillThere.At("enabled")!.GetValue<bool>());
        Assert.Equal(endpoint.Str("signature.secret_hint"), stillThere.Str("signature.secret_hint"));
        Assert.Contains(await orgA.Client.ListAllAsync("/v1/keys"), k => k.Str("id") == keyId);
        var delivery = await (await orgA.Client.GetAsync($"/v1/deliveries/{deliveryId}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, delivery.At("attempt_count")!.GetValue<int>());
    }

    [Fact]
    public async Task AnotherOrganizationsLists_NeverContainThisOnesItems()
    {
        var orgA = await Server.NewOrgAsync();
        var orgB = await Server.NewOrgAsync();
        var endpointId = (await orgA.Client.CreateEndpointAsync(EndpointBody(QuietUrl))).Str("id");
        await (await orgA.Client.PostJsonAsync("/v1/event-types", new { name = "a.only" })).ExpectStatusAsync(HttpStatusCode.Created);
        var eventId = (await orgA.Client.PublishAsync(new { type = "a.only", data = new { } })).Str("id");
        var keyId = (await CreateKeyAsync(orgA, "a-key", "viewer")).Str("id");
        await orgB.Client.PublishAsync(new { type = "b.only", data = new { } });

        Assert.Empty(await orgB.Client.ListAllAsync("/v1/endpoints"));
        Assert.Empty(await orgB.Client.ListAllAsync("/v1/event-types"));
        Assert.DoesNotContain(eventId, (await orgB.Client.ListAllAsync("/v1/events")).Ids());
        Assert.Single(await orgB.Client.ListAllAsync("/v1/events"));
        Assert.Empty(await orgB.Client.ListAllAsync("/v1/events?type=a.only"));
        Assert.Empty(await orgB.Client.ListAllAsync("/v1/deliveries"));
        Assert.Empty(await orgB.Client.ListAllAsync($"/v1/deliveries?endpoint_id={endpointId}"));
        Assert.Empty(await orgB.Client.ListAllAsync($"/v1/deliveries?event_id={eventId}"));
        Assert.DoesNotContain(keyId, (await orgB.Client.ListAllAsync("/v1/keys")).Ids());
        await (await orgB.Client.GetAsync("/v1/event-types/a.only")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await orgB.Client.PutJsonAsync("/v1/event-types/a.only", new { description = "taken over" })).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await orgB.Client.DeleteAsync("/v1/event-types/a.only")).ExpectProblemAsync(HttpStatusCode.NotFound);
        // Names are per organization: B may catalogue the same name, and A's entry is untouched.
        await (await orgB.Client.PostJsonAsync("/v1/event-types", new { name = "a.only", description = "B's own" })).ExpectStatusAsync(HttpStatusCode.Created);
        var aType = await (await orgA.Client.GetAsync("/v1/event-types/a.only")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("", aType.Str("description"));
    }

    [Fact]
    public async Task Publish_Returns422AtTheIndex_WhenItNamesAnotherOrganizationsEndpoint()
    {
        var orgA = await Server.NewOrgAsync();
        var orgB = await Server.NewOrgAsync();
        var foreign = (await orgA.Client.CreateEndpointAsync(EndpointBody(QuietUrl))).Str("id");
        var own = (await orgB.Client.CreateEndpointAsync(EndpointBody(QuietUrl, new JsonObject { ["event_types"] = new JsonArray("nothing.else") }))).Str("id");

        var first = await orgB.Client.PostJsonAsync("/v1/events", new { type = "x.y", data = 1, endpoints = new[] { foreign } });
        var second = await orgB.Client.PostJsonAsync("/v1/events", new { type = "x.y", data = 1, endpoints = new[] { own, foreign } });

        var problem = await first.ExpectValidationErrorAsync("endpoints[0]");
        Assert.DoesNotContain(orgA.Id, problem.ToJsonString());
        await second.ExpectValidationErrorAsync("endpoints[1]");
        Assert.Empty(await orgB.Client.ListAllAsync("/v1/events"));
        Assert.Empty(await orgA.Client.ListAllAsync("/v1/deliveries"));
    }

    [Theory]
    [InlineData("GET", "/v1/no-such-route", "application/json", 404)]
    [InlineData("PATCH", "/v1/events", "application/json", 405)]
    [InlineData("POST", "/v1/endpoints", "text/plain", 415)]
    [InlineData("PATCH", "/v1/endpoints/ep_01J00000000000000000000000", "text/plain", 415)]
    public async Task RoutingErrors_AreProblemsWithAPreciseDetail(string method, string path, string mediaType, int status)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Json.Content(new { }, mediaType) };

        var response = await Server.Client.SendAsync(request);

        var problem = await response.ExpectProblemAsync((HttpStatusCode)status);
        Assert.False(string.IsNullOrWhiteSpace(problem.At("detail")?.GetValue<string>()),
            $"{method} {path} answered {status} without a detail: {problem.ToJsonString()}");
    }

    [Theory]
    [InlineData("GET", "/v1/endpoints/nonsense")]
    [InlineData("GET", "/v1/events/nonsense")]
    [InlineData("GET", "/v1/events/nonsense/deliveries")]
    [InlineData("GET", "/v1/deliveries/nonsense")]
    [InlineData("POST", "/v1/deliveries/dlv_01J00000000000000000000000/retry")]
    [InlineData("GET", "/v1/event-types/never.made")]
    [InlineData("DELETE", "/v1/keys/key_01J00000000000000000000000")]
    [InlineData("POST", "/v1/endpoints/ep_01J00000000000000000000000/enable")]
    public async Task UnknownIds_Return404Problems(string method, string path)
    {
        var org = await Server.NewOrgAsync();

        var response = await org.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.False(string.IsNullOrWhiteSpace(problem.At("detail")?.GetValue<string>()));
    }

    private static async Task<JsonNode> CreateKeyAsync(TestOrg org, string name, string role) =>
        await (await org.Client.PostJsonAsync("/v1/keys", new { name, role })).ReadJsonAsync(HttpStatusCode.Created);

    private static string JsonSerializerText(IEnumerable<JsonNode> nodes) =>
        new JsonArray([.. nodes.Select(n => n.DeepClone())]).ToJsonString(Json.Verbatim);
}

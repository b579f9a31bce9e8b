using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Tests.Api;

/// <summary>
/// One Herald for a whole test class. Tests that could see each other's data make their own
/// organization (<see cref="ApiTestSupport.NewOrgAsync"/>), so they never interfere.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private HeraldTestServer? _server;

    public HeraldTestServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync() => _server = await HeraldTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>A fresh organization and a client holding its admin key.</summary>
public sealed record TestOrg(string Id, string Name, string AdminKey, HttpClient Client);

public static class ApiTestSupport
{
    /// <summary>An endpoint URL nobody listens on; used where nothing is published to it.</summary>
    public const string QuietUrl = "http://127.0.0.1:9/hook";

    /// <summary>A retry policy that gives up after the first attempt, so failed sends make no noise.</summary>
    public static JsonObject NoRetry() => new() { ["schedule"] = new JsonArray(), ["jitter"] = 0 };

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Creates an organization with the operator key and returns a client with its admin key.</summary>
    public static async Task<TestOrg> NewOrgAsync(this HeraldTestServer server, string? name = null)
    {
        name ??= Unique("org");
        var created = await (await server.Client.PostJsonAsync("/v1/orgs", new { name })).ReadJsonAsync(HttpStatusCode.Created);
        var key = created.Str("admin_key");
        return new TestOrg(created.Str("id"), name, key, server.ClientFor(key));
    }

    /// <summary>Creates an endpoint (201) and returns the create response.</summary>
    public static async Task<JsonNode> CreateEndpointAsync(this HttpClient client, object body) =>
        await (await client.PostJsonAsync("/v1/endpoints", body)).ReadJsonAsync(HttpStatusCode.Created);

    /// <summary>An endpoint aimed at <paramref name="url"/> that tries once, plus any extra fields.</summary>
    public static JsonObject EndpointBody(string url, JsonObject? extra = null, string? name = null)
    {
        var body = new JsonObject
        {
            ["name"] = name ?? Unique("ep"),
            ["url"] = url,
            ["retry"] = NoRetry(),
        };
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                body[key] = value?.DeepClone();
            }
        }
        return body;
    }

    /// <summary>Publishes (202) and returns the response body.</summary>
    public static async Task<JsonNode> PublishAsync(this HttpClient client, object body) =>
        await (await client.PostJsonAsync("/v1/events", body)).ReadJsonAsync(HttpStatusCode.Accepted);

    /// <summary>Asserts a 422 problem+json whose <c>errors</c> has <paramref name="path"/>; returns the problem.</summary>
    public static async Task<JsonNode> ExpectValidationErrorAsync(this HttpResponseMessage response, string path)
    {
        var problem = await response.ReadJsonAsync((HttpStatusCode)422);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = problem.At("errors") as JsonObject;
        Assert.True(errors is not null, $"The problem has no errors object: {problem.ToJsonString()}");
        Assert.True(errors!.ContainsKey(path), $"Expected an error at '{path}'; got {errors.ToJsonString()}");
        var messages = Assert.IsType<JsonArray>(errors[path]);
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.False(string.IsNullOrWhiteSpace(m?.GetValue<string>())));
        return problem;
    }

    /// <summary>Asserts a problem+json with the status and returns it.</summary>
    public static async Task<JsonNode> ExpectProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await response.ReadJsonAsync(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, problem.At("status")?.GetValue<int>());
        return problem;
    }

    /// <summary>All items of a list route, following <c>next_cursor</c>.</summary>
    public static async Task<List<JsonNode>> ListAllAsync(this HttpClient client, string url)
    {
        var items = new List<JsonNode>();
        string? cursor = null;
        for (var page = 0; page < 100; page++)
        {
            var separator = url.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            var pageUrl = cursor is null ? url : $"{url}{separator}cursor={Uri.EscapeDataString(cursor)}";
            var body = await (await client.GetAsync(pageUrl)).ReadJsonAsync(HttpStatusCode.OK);
            items.AddRange(Assert.IsType<JsonArray>(body.At("data")).Select(n => n!));
            cursor = body.At("next_cursor")?.GetValue<string>();
            if (cursor is null)
            {
                return items;
            }
        }
        Assert.Fail($"{url} did not end within 100 pages");
        return items;
    }

    public static List<string> Ids(this IEnumerable<JsonNode> items) => [.. items.Select(i => i.Str("id"))];
}

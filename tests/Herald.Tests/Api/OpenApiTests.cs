using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Tests.Api;

/// <summary>The OpenAPI document and the public operational routes.</summary>
public sealed class OpenApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    /// <summary>Every route of the API: method, path template, whether it takes a JSON body, whether it answers JSON.</summary>
    private static readonly (string Method, string Path, bool Body, bool JsonResponse)[] Routes =
    [
        ("POST", "/v1/orgs", true, true),
        ("GET", "/v1/orgs", false, true),
        ("POST", "/v1/keys", true, true),
        ("GET", "/v1/keys", false, true),
        ("DELETE", "/v1/keys/{id}", false, false),
        ("POST", "/v1/event-types", true, true),
        ("GET", "/v1/event-types", false, true),
        ("GET", "/v1/event-types/{name}", false, true),
        ("PUT", "/v1/event-types/{name}", true, true),
        ("DELETE", "/v1/event-types/{name}", false, false),
        ("POST", "/v1/endpoints", true, true),
        ("GET", "/v1/endpoints", false, true),
        ("GET", "/v1/endpoints/{id}", false, true),
        ("PUT", "/v1/endpoints/{id}", true, true),
        ("PATCH", "/v1/endpoints/{id}", true, true),
        ("DELETE", "/v1/endpoints/{id}", false, false),
        ("POST", "/v1/endpoints/{id}/secret/rotate", false, true),
        ("POST", "/v1/endpoints/{id}/test", false, true),
        ("POST", "/v1/endpoints/{id}/enable", false, true),
        ("POST", "/v1/endpoints/{id}/disable", false, true),
        ("POST", "/v1/endpoints/{id}/recover", true, true),
        ("GET", "/v1/endpoints/{id}/applink", false, true),
        ("GET", "/v1/endpoints/{id}/applink.png", false, false),
        ("GET", "/v1/endpoints/{id}/applink.svg", false, false),
        ("POST", "/v1/applinks/import", true, true),
        ("POST", "/v1/events", true, true),
        ("GET", "/v1/events", false, true),
        ("GET", "/v1/events/{id}", false, true),
        ("GET", "/v1/events/{id}/deliveries", false, true),
        ("GET", "/v1/deliveries", false, true),
        ("GET", "/v1/deliveries/{id}", false, true),
        ("POST", "/v1/deliveries/{id}/retry", false, true),
        ("GET", "/health/live", false, true),
        ("GET", "/health/ready", false, true),
        ("GET", "/metrics", false, false),
    ];

    private static readonly string[] BodyMediaTypes = ["application/json", "application/merge-patch+json"];

    private HeraldTestServer Server => fixture.Server;

    private async Task<JsonNode> DocumentAsync()
    {
        using var anonymous = Server.ClientFor(null);
        return await (await anonymous.GetAsync("/openapi/v1.json")).ReadJsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task OpenApiDocument_IsPublic_AndOpenApi31()
    {
        using var anonymous = Server.ClientFor(null);

        var response = await anonymous.GetAsync("/openapi/v1.json");

        var document = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("3.1", document.Str("openapi"));
        Assert.IsType<JsonObject>(document.At("info"));
        Assert.IsType<JsonObject>(document.At("paths"));
    }

    [Fact]
    public async Task OpenApiDocument_ListsEveryDocumentedRoute()
    {
        var paths = (await DocumentAsync()).At("paths")!.AsObject();

        var missing = Routes.Where(r => Operation(paths, r.Method, r.Path) is null).Select(r => $"{r.Method} {r.Path}").ToList();

        Assert.True(missing.Count == 0, $"Missing from /openapi/v1.json: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheRequestBodyOfEveryRouteThatTakesOne()
    {
        var paths = (await DocumentAsync()).At("paths")!.AsObject();
        var problems = new List<string>();

        foreach (var (method, path, _, _) in Routes.Where(r => r.Body))
        {
            if (Operation(paths, method, path) is not { } operation)
            {
                continue; // reported by OpenApiDocument_ListsEveryDocumentedRoute
            }
            var content = operation.At("requestBody.content") as JsonObject;
            var schemas = content?.Where(c => BodyMediaTypes.Contains(c.Key)).Select(c => c.Value?.At("schema")).ToList();
            if (schemas is null || schemas.Count == 0 || schemas.Any(s => s is not JsonObject { Count: > 0 }))
            {
                problems.Add($"{method} {path}: {operation.At("requestBody")?.ToJsonString() ?? "no requestBody"}");
            }
        }

        Assert.True(problems.Count == 0, "Request bodies without a JSON schema:\n" + string.Join("\n", problems));
    }

    [Fact]
    public async Task OpenApiDocument_GivesEveryRouteASuccessResponse_WithASchemaForJson()
    {
        var paths = (await DocumentAsync()).At("paths")!.AsObject();
        var problems = new List<string>();

        foreach (var (method, path, _, json) in Routes)
        {
            if (Operation(paths, method, path) is not { } operation)
            {
                continue; // reported by OpenApiDocument_ListsEveryDocumentedRoute
            }
            var success = (operation.At("responses") as JsonObject)?.Where(r => r.Key.StartsWith('2')).ToList() ?? [];
            if (success.Count == 0)
            {
                problems.Add($"{method} {path}: no 2xx response");
                continue;
            }
            if (json && !success.Any(r => r.Value?.At("content") is JsonObject content
                    && content.Any(c => c.Key.Contains("json", StringComparison.Ordinal) && c.Value?.At("schema") is JsonObject { Count: > 0 })))
            {
                problems.Add($"{method} {path}: no JSON schema on {string.Join("/", success.Select(s => s.Key))}");
            }
        }

        Assert.True(problems.Count == 0, "Responses not described:\n" + string.Join("\n", problems));
    }

    [Fact]
    public async Task HealthLive_Returns200WithoutAKey()
    {
        using var anonymous = Server.ClientFor(null);

        var response = await anonymous.GetAsync("/health/live");

        await response.ExpectStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task HealthReady_Returns200Ready_WithoutAKey()
    {
        using var anonymous = Server.ClientFor(null);

        var body = await (await anonymous.GetAsync("/health/ready")).ReadJsonAsync(HttpStatusCode.OK);

        Json.AssertEqual(new { status = "ready" }, body);
    }

    [Fact]
    public async Task Metrics_ArePrometheusText_WithoutAKey_AndCountAcceptedEvents()
    {
        using var anonymous = Server.ClientFor(null);
        var org = await Server.NewOrgAsync();
        await org.Client.PublishAsync(new { type = "metrics.check", data = 1 });

        var response = await anonymous.GetAsync("/metrics");

        await response.ExpectStatusAsync(HttpStatusCode.OK);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("herald_events_accepted_total", text);
        var sample = text.Split('\n').First(l => l.StartsWith("herald_events_accepted_total", StringComparison.Ordinal));
        Assert.True(double.Parse(sample.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture) >= 1, sample);
        Assert.DoesNotContain(org.Id, text);
        Assert.DoesNotContain("127.0.0.1", text);
    }

    private static JsonNode? Operation(JsonObject paths, string method, string path) =>
        paths.TryGetPropertyValue(path, out var item) ? item?.At(method.ToLowerInvariant()) : null;
}

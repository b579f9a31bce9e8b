using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static Herald.Tests.Api.ApiTestSupport;

namespace Herald.Tests.Security;

/// <summary>
/// A secret is shown once (create, rotate) and never again. Every read route —
/// endpoints, attempts, deliveries, keys, organizations, applinks — shows masks and hints only.
/// </summary>
public sealed class SecretMaskingTests : ServerWithReceiver
{
    private const string Mask = "********";
    [Fact]
    public async Task ReadRoutes_AfterDeliveries_ShowMasksAndHints_NeverASecret()
    {
        using var scenario = await SecretScenario.RunAsync(Server.BaseUrl, HeraldTestServer.AdminKey, Receiver);
        var admin = scenario.Admin;
        var bodies = new StringBuilder();
        async Task<JsonNode> Read(HttpClient client, string url)
        {
            using var response = await client.GetAsync(url);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {text}");
            bodies.Append(url).Append('\n').Append(text).Append('\n');
            return JsonNode.Parse(text)!;
        }

        await Read(admin, "/v1/endpoints");
        await Read(admin, "/v1/keys");
        await Read(Server.Client, "/v1/orgs");
        var endpoints = new Dictionary<string, JsonNode>();
        foreach (var (role, id) in scenario.Endpoints)
        {
            endpoints[role] = await Read(admin, $"/v1/endpoints/{id}");
            await Read(admin, $"/v1/endpoints/{id}/applink");
        }
        var attempts = new List<JsonNode>();
        foreach (var delivery in await admin.ListAllAsync("/v1/deliveries"))
        {
            var full = await Read(admin, $"/v1/deliveries/{delivery.Str("id")}");
            attempts.AddRange(full["attempts"]!.AsArray().Select(a => a!));
        }
        foreach (var evt in scenario.Events)
        {
            await Read(admin, $"/v1/events/{evt}/deliveries");
        }

        var leaked = scenario.Secrets.FoundIn(bodies.ToString());
        Assert.True(leaked.Count == 0, "Read routes show: " + string.Join("; ", leaked));

        var standard = endpoints["standard"];
        Assert.Equal(Mask, standard.Str("auth.password"));
        Assert.Equal(Mask, standard.At("headers")!.AsArray().Single(h => h!.Str("name") == "X-Api-Token")!.Str("value"));
        Assert.Equal(Mask, standard.At("headers")!.AsArray().Single(h => h!.Str("name") == "X-Patched")!.Str("value"));
        Assert.Equal("prod", standard.At("headers")!.AsArray().Single(h => h!.Str("name") == "X-Env")!.Str("value"));
        Assert.Null(standard.At("signature.secret"));
        Assert.Matches("^….{4}$", standard.Str("signature.secret_hint"));
        Assert.Null(endpoints["bearer"].At("signature.secret_hint"));

        Assert.True(attempts.Count >= 9, $"Expected every attempt of the scenario, got {attempts.Count}");
        var sentWithAuth = attempts.Where(a => a.At("request.headers.Authorization") is not null).ToList();
        Assert.NotEmpty(sentWithAuth);
        Assert.All(sentWithAuth, a => Assert.EndsWith(Mask, a.Str("request.headers.Authorization")));
        Assert.Contains(sentWithAuth, a => a.Str("request.headers.Authorization") == "Basic " + Mask);
        Assert.All(attempts.Where(a => a.At("request.headers.X-Api-Token") is not null), a => Assert.Equal(Mask, a.Str("request.headers.X-Api-Token")));
    }

    [Theory]
    [InlineData("standard", "whsec_{0}")]
    [InlineData("standard", "whsec_{0}!")]
    [InlineData("standard", "{0}")]
    [InlineData("ushahidi", "{0}\u0001")]
    public async Task Create_WithAnInvalidSecret_Returns422_WithoutEchoingIt(string scheme, string format)
    {
        var canaries = new Canaries();
        var secret = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, canaries.Add("the refused secret", Canaries.New("REFUSED")));

        using var response = await Server.Client.PostJsonAsync("/v1/endpoints", EndpointBody(QuietUrl, new JsonObject
        {
            ["signature"] = new JsonObject { ["scheme"] = scheme, ["secret"] = secret },
        }));

        var problem = await response.ExpectValidationErrorAsync("signature.secret");
        var leaked = canaries.FoundIn(problem.ToJsonString());
        Assert.True(leaked.Count == 0, "The problem echoes: " + string.Join("; ", leaked));
    }

    [Fact]
    public async Task Create_WithAnInvalidPassword_Returns422_WithoutEchoingIt()
    {
        var canaries = new Canaries();
        var password = canaries.Add("the refused password", Canaries.New("REFUSED")) + "\u0007";

        using var response = await Server.Client.PostJsonAsync("/v1/endpoints", EndpointBody(QuietUrl, new JsonObject
        {
            ["auth"] = new JsonObject { ["type"] = "basic", ["username"] = "herald", ["password"] = password },
        }));

        var problem = await response.ExpectValidationErrorAsync("auth.password");
        Assert.Empty(canaries.FoundIn(problem.ToJsonString()));
    }
}

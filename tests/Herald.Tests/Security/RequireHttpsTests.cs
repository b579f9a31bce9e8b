using System.Net;
using System.Text.Json.Nodes;
using static Herald.Tests.Api.ApiTestSupport;

namespace Herald.Tests.Security;

/// <summary>
/// <c>http://</c> endpoint URLs are allowed but flagged <c>"insecure": true</c>;
/// <c>--require-https</c> refuses them on every route that saves a URL.
/// </summary>
public sealed class RequireHttpsTests
{
    private const string Https = "https://hooks.example.org/herald";
    private const string Http = "http://hooks.example.org/herald";

    [Fact]
    public async Task RequireHttps_RefusesAnHttpUrl_AtUrl_AndAcceptsHttps()
    {
        await using var server = await HeraldTestServer.StartAsync(o => o.RequireHttps = true);

        using var refused = await server.Client.PostJsonAsync("/v1/endpoints", EndpointBody(Http));
        var problem = await refused.ExpectValidationErrorAsync("url");
        Assert.Contains("https", problem.At("errors.url[0]")!.GetValue<string>());
        var created = await server.Client.CreateEndpointAsync(EndpointBody(Https));

        Assert.False(created.At("insecure")!.GetValue<bool>());
        var all = await server.Client.ListAllAsync("/v1/endpoints");
        Assert.Equal([created.Str("id")], all.Ids());
    }

    [Fact]
    public async Task RequireHttps_RefusesAnHttpUrl_InPutAndPatch_AndKeepsTheEndpoint()
    {
        await using var server = await HeraldTestServer.StartAsync(o => o.RequireHttps = true);
        var created = await server.Client.CreateEndpointAsync(EndpointBody(Https));
        var id = created.Str("id");
        var replacement = EndpointBody(Http, name: created.Str("name"));

        using var put = await server.Client.PutJsonAsync($"/v1/endpoints/{id}", replacement);
        using var patch = await server.Client.PatchJsonAsync($"/v1/endpoints/{id}", new JsonObject { ["url"] = Http });

        await put.ExpectValidationErrorAsync("url");
        await patch.ExpectValidationErrorAsync("url");
        var kept = await (await server.Client.GetAsync($"/v1/endpoints/{id}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(Https, kept.Str("url"));
    }

    [Fact]
    public async Task RequireHttps_RefusesAnHttpApplink()
    {
        await using var server = await HeraldTestServer.StartAsync(o => o.RequireHttps = true);
        var json = $$"""{"webhook":true,"url":"{{Http}}","entity":"Field station"}""";
        var applink = "https://cybertrackerwiki.org/applink?x=" + Uri.EscapeDataString(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(json)));

        using var response = await server.Client.PostJsonAsync("/v1/applinks/import", new { applink });

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Empty(await server.Client.ListAllAsync("/v1/endpoints"));
    }

    [Fact]
    public async Task WithoutRequireHttps_HttpIsAccepted_AndFlaggedInsecure_HttpsIsNot()
    {
        await using var server = await HeraldTestServer.StartAsync();

        var http = await server.Client.CreateEndpointAsync(EndpointBody(Http));
        var https = await server.Client.CreateEndpointAsync(EndpointBody(Https));

        Assert.True(http.At("insecure")!.GetValue<bool>());
        Assert.False(https.At("insecure")!.GetValue<bool>());
        var listed = (await server.Client.ListAllAsync("/v1/endpoints")).ToDictionary(e => e.Str("id"));
        Assert.True(listed[http.Str("id")].At("insecure")!.GetValue<bool>());
        Assert.False(listed[https.Str("id")].At("insecure")!.GetValue<bool>());

        // The flag follows the URL: downgrading an endpoint to http flags it.
        var patched = await (await server.Client.PatchJsonAsync($"/v1/endpoints/{https.Str("id")}", new JsonObject { ["url"] = Http }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(patched.At("insecure")!.GetValue<bool>());
    }
}

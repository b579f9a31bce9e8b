using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Tests.Delivery;

public sealed class RotationTests
{
    [Fact]
    public async Task Rotate_SignsWithBothSecretsDuringTheOverlap_ThenWithTheNewOneOnly()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync(o => o.RotationOverlap = TimeSpan.FromSeconds(2));
        var endpoint = await (await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject { ["name"] = "rotating", ["url"] = receiver.Url() }))
            .ReadJsonAsync(HttpStatusCode.Created);
        var old = endpoint.At("signature.secret")!.GetValue<string>();

        var rotated = await (await server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/secret/rotate", null)).ReadJsonAsync(HttpStatusCode.OK);
        var fresh = rotated.At("signature.secret")!.GetValue<string>();
        Assert.NotEqual(old, fresh);
        Assert.Equal("…" + fresh[^4..], rotated.At("signature.secret_hint")!.GetValue<string>());
        var shown = await (await server.Client.GetAsync($"/v1/endpoints/{endpoint["id"]}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Null(shown.At("signature.secret"));

        await (await server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/test", null)).ExpectStatusAsync(HttpStatusCode.OK);
        var during = (await receiver.WaitForAsync(1, TimeSpan.FromSeconds(10)))[0];
        Assert.Equal(2, during.Header("webhook-signature")!.Split(' ').Length);
        Assert.True(IndependentVerifier.Verify(fresh, during.Headers, during.Body, DateTimeOffset.UtcNow, out var reason), reason);
        Assert.True(IndependentVerifier.Verify(old, during.Headers, during.Body, DateTimeOffset.UtcNow, out reason), reason);

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await (await server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/test", null)).ExpectStatusAsync(HttpStatusCode.OK);
        var after = (await receiver.WaitForAsync(2, TimeSpan.FromSeconds(10)))[1];
        Assert.Single(after.Header("webhook-signature")!.Split(' '));
        Assert.True(IndependentVerifier.Verify(fresh, after.Headers, after.Body, DateTimeOffset.UtcNow, out reason), reason);
        Assert.False(IndependentVerifier.Verify(old, after.Headers, after.Body, DateTimeOffset.UtcNow, out _));
    }

    [Fact]
    public async Task Rotate_OnAnUnsignedEndpoint_Is409()
    {
        await using var server = await HeraldTestServer.StartAsync();
        var endpoint = await (await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "unsigned", ["url"] = "http://127.0.0.1:9/x", ["signature"] = new JsonObject { ["scheme"] = "none" },
        })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Null(endpoint.At("signature.secret"));
        var response = await server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/secret/rotate", null);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }
}

using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Tests.Seeds;

/// <summary>The Ushahidi Platform web hook document, reproduced (seeds 001 and 004).</summary>
public sealed class UshahidiTests : ServerWithReceiver
{
    [Fact]
    public async Task SharedSecretHook_IsSignedOverUrlAndBody_AndCarriesTheFieldKeys()
    {
        const string secret = "my shared secret, free text";
        var url = Receiver.Url("/ushahidi?deployment=field");
        var endpoint = await (await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "Ushahidi transformer",
            ["url"] = url,
            ["event_types"] = new JsonArray("post.create", "post.update"),
            ["entity_types"] = new JsonArray("post"),
            ["signature"] = new JsonObject { ["scheme"] = "ushahidi", ["secret"] = secret },
            ["format"] = "ushahidi",
            ["source_field_key"] = "a1b2c3-source",
            ["destination_field_key"] = "d4e5f6-destination",
        })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(secret, endpoint.At("signature.secret")!.GetValue<string>());
        Assert.Null(endpoint.At("signature.header"));

        await (await Server.Client.PostJsonAsync("/v1/events", new JsonObject
        {
            ["type"] = "post.create",
            ["resource"] = new JsonObject { ["type"] = "post", ["id"] = "1203" },
            ["data"] = new JsonObject { ["form_id"] = 7, ["values"] = new JsonObject { ["title"] = new JsonArray("Flooding on Main St") } },
        })).ExpectStatusAsync(HttpStatusCode.Accepted);

        var request = (await Receiver.WaitForAsync(1, TimeSpan.FromSeconds(15)))[0];
        Assert.True(IndependentVerifier.VerifyUshahidi(secret, url, request.Body, request.Header("X-Ushahidi-Signature"), out var reason), reason);
        Assert.Equal("application/json", request.Header("Accept"));
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Null(request.Header("webhook-signature"));
        Assert.NotNull(request.Header("webhook-id"));

        var body = request.Json();
        Assert.Equal(endpoint["id"]!.GetValue<string>(), body["webhook_uuid"]!.GetValue<string>());
        Assert.Equal(7, body["form_id"]!.GetValue<int>());
        Assert.Equal("Flooding on Main St", body.At("values.title[0]")!.GetValue<string>());
        Assert.Equal("a1b2c3-source", body["source_field_key"]!.GetValue<string>());
        Assert.Equal("d4e5f6-destination", body["destination_field_key"]!.GetValue<string>());

        // Event and entity filters: an update of a post goes out, a post deletion and a user creation do not.
        foreach (var (type, entity) in new[] { ("post.update", "post"), ("post.delete", "post"), ("post.create", "user") })
        {
            await (await Server.Client.PostJsonAsync("/v1/events", new JsonObject
            {
                ["type"] = type,
                ["resource"] = new JsonObject { ["type"] = entity, ["id"] = "x" },
                ["data"] = new JsonObject(),
            })).ExpectStatusAsync(HttpStatusCode.Accepted);
        }
        await Receiver.WaitForAsync(2, TimeSpan.FromSeconds(15));
        await Task.Delay(300);
        Assert.Equal(2, Receiver.Count);
    }

    [Fact]
    public async Task CustomSignatureHeader_AndGeneratedSecret_AreHonoured()
    {
        var url = Receiver.Url("/custom");
        var endpoint = await (await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "custom header",
            ["url"] = url,
            ["signature"] = new JsonObject { ["scheme"] = "ushahidi", ["header"] = "X-Platform-Signature" },
        })).ReadJsonAsync(HttpStatusCode.Created);
        var secret = endpoint.At("signature.secret")!.GetValue<string>();
        Assert.Matches("^[A-Za-z0-9_-]{32}$", secret);

        var attempt = await (await Server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/test", null)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(200, attempt.At("response.status")!.GetValue<int>());
        var request = (await Receiver.WaitForAsync("/custom", 1, TimeSpan.FromSeconds(10)))[0];
        Assert.True(IndependentVerifier.VerifyUshahidi(secret, url, request.Body, request.Header("X-Platform-Signature"), out var reason), reason);

        // Rotation: this scheme has room for one signature, so the new secret signs alone at once.
        var rotated = await (await Server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/secret/rotate", null)).ReadJsonAsync(HttpStatusCode.OK);
        var fresh = rotated.At("signature.secret")!.GetValue<string>();
        Assert.NotEqual(secret, fresh);
        await (await Server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/test", null)).ExpectStatusAsync(HttpStatusCode.OK);
        var second = (await Receiver.WaitForAsync("/custom", 2, TimeSpan.FromSeconds(10)))[1];
        Assert.True(IndependentVerifier.VerifyUshahidi(fresh, url, second.Body, second.Header("X-Platform-Signature"), out reason), reason);
        Assert.False(IndependentVerifier.VerifyUshahidi(secret, url, second.Body, second.Header("X-Platform-Signature"), out _));
    }
}

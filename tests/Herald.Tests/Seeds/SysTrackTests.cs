using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Tests.Seeds;

/// <summary>The SysTrack webhook recipient document, reproduced.</summary>
public sealed class SysTrackTests
{
    [Fact]
    public async Task Recipient_WithPutBasicAuthSensitiveHeaderAndTemplate_SendsExactlyThat_AndMasksEverywhereElse()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync();
        var endpoint = await (await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "Qualtrics pulse",
            ["url"] = receiver.Url("/systrack"),
            ["method"] = "PUT",
            ["auth"] = new JsonObject { ["type"] = "basic", ["username"] = "systrack", ["password"] = "p@ss:word" },
            ["headers"] = new JsonArray(
                new JsonObject { ["name"] = "X-Env", ["value"] = "prod", ["sensitive"] = false },
                new JsonObject { ["name"] = "X-Api-Token", ["value"] = "s3cr3t-token", ["sensitive"] = true }),
            ["format"] = "template",
            ["template"] = Templates.BodyTemplateTests.SysTrackTemplate,
        })).ReadJsonAsync(HttpStatusCode.Created);
        var id = endpoint["id"]!.GetValue<string>();
        Assert.Equal("********", endpoint.At("auth.password")!.GetValue<string>());
        Assert.Equal("********", endpoint.At("headers[1].value")!.GetValue<string>());
        Assert.Equal("prod", endpoint.At("headers[0].value")!.GetValue<string>());

        await (await server.Client.PostJsonAsync("/v1/events", JsonNode.Parse("""
            {"type": "sensor.threshold_reached",
             "data": {"severity": "critical", "sensor": {"name": "Disk space low", "threshold": 90},
                      "system": {"name": "WS-0042", "user": "jsmith"},
                      "applications": [{"name": "Outlook"}, {"name": "Teams"}]}}
            """))).ExpectStatusAsync(HttpStatusCode.Accepted);

        var request = (await receiver.WaitForAsync(1, TimeSpan.FromSeconds(10)))[0];
        Assert.Equal("PUT", request.Method);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("systrack:p@ss:word")), request.Header("Authorization"));
        Assert.Equal("s3cr3t-token", request.Header("X-Api-Token"));
        Assert.Equal("prod", request.Header("X-Env"));
        var body = request.Json();
        Assert.Equal("sensor.threshold_reached", body["notification"]!.GetValue<string>());
        Assert.Equal("Qualtrics pulse", body["recipient"]!.GetValue<string>());
        Assert.Equal("Disk space low on WS-0042", body["summary"]!.GetValue<string>());
        Assert.Equal(2, body["application_count"]!.GetValue<int>());
        Assert.Equal(1, body.At("delivery.attempt")!.GetValue<int>());

        // Masked in the attempt log and in every read of the endpoint, never the real values.
        var deliveries = await (await server.Client.GetAsync($"/v1/deliveries?endpoint_id={id}")).ReadJsonAsync(HttpStatusCode.OK);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        JsonNode detail;
        do
        {
            detail = await (await server.Client.GetAsync($"/v1/deliveries/{deliveries.At("data[0].id")}")).ReadJsonAsync(HttpStatusCode.OK);
            Assert.True(DateTime.UtcNow < deadline);
        }
        while (detail["attempts"]!.AsArray().Count == 0 && await Task.Delay(50).ContinueWith(_ => true));
        var logged = detail.At("attempts[0].request.headers")!;
        Assert.Equal("********", logged["X-Api-Token"]!.GetValue<string>());
        Assert.Equal("Basic ********", logged["Authorization"]!.GetValue<string>());
        var everything = detail.ToJsonString() + (await server.Client.GetStringAsync($"/v1/endpoints/{id}")) + (await server.Client.GetStringAsync("/v1/endpoints"));
        Assert.DoesNotContain("s3cr3t-token", everything);
        Assert.DoesNotContain("p@ss:word", everything);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("systrack:p@ss:word")), everything);

        // Reusable named recipients: two cannot share a name.
        var clash = await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject { ["name"] = "Qualtrics pulse", ["url"] = receiver.Url("/other") });
        Assert.Equal(HttpStatusCode.Conflict, clash.StatusCode);
    }
}

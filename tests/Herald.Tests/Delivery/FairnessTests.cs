using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Tests.Delivery;

public sealed class FairnessTests
{
    [Fact]
    public async Task HangingReceiver_DoesNotStarveAHealthyEndpoint()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync(o => o.Workers = 8);
        receiver.Responder = (r, i) => r.Path == "/hang" ? ResponsePlan.Hanging() : ResponsePlan.Ok;
        foreach (var (name, path, timeout) in new[] { ("hanging", "/hang", "10s"), ("healthy", "/ok", "10s") })
        {
            await (await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
            {
                ["name"] = name, ["url"] = receiver.Url(path), ["event_types"] = new JsonArray(name + ".*"), ["timeout"] = timeout,
                ["retry"] = JsonNode.Parse("""{"schedule": ["1s"], "jitter": 0}"""),
            })).ExpectStatusAsync(HttpStatusCode.Created);
        }

        // The hanging endpoint's backlog is published first and is due first.
        for (var i = 0; i < 20; i++)
        {
            await (await server.Client.PostJsonAsync("/v1/events", new JsonObject { ["type"] = "hanging.x", ["data"] = i })).ExpectStatusAsync(HttpStatusCode.Accepted);
        }
        await receiver.WaitForAsync("/hang", 2, TimeSpan.FromSeconds(10));
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++)
        {
            await (await server.Client.PostJsonAsync("/v1/events", new JsonObject { ["type"] = "healthy.x", ["data"] = i })).ExpectStatusAsync(HttpStatusCode.Accepted);
        }

        await receiver.WaitForAsync("/ok", 5, TimeSpan.FromSeconds(10));
        // Long before the 10 s timeouts free any worker held by the hanging receiver.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"healthy deliveries took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(receiver.Requests.Count(r => r.Path == "/hang") <= 6, "the hanging endpoint held more than its share of workers");
    }
}

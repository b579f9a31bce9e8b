using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Herald.Tests.Api;

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

    [Fact]
    public async Task HangingEndpointsOfOneOrganization_DoNotDelayAnotherOrganizationsDelivery()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync(o => o.Workers = 8);
        receiver.Responder = (r, i) => r.Path == "/hang" ? ResponsePlan.Hanging() : ResponsePlan.Ok;
        var hostile = await server.NewOrgAsync();
        var quiet = await server.NewOrgAsync();
        for (var i = 0; i < 4; i++)
        {
            await hostile.Client.CreateEndpointAsync(ApiTestSupport.EndpointBody(receiver.Url("/hang"), new JsonObject { ["timeout"] = "10s" }));
        }
        await quiet.Client.CreateEndpointAsync(ApiTestSupport.EndpointBody(receiver.Url("/ok")));
        for (var i = 0; i < 40; i++)
        {
            await hostile.Client.PublishAsync(new { type = "hang.x", data = i });
        }
        // Every worker is held by a receiver that will not answer before its 10 s timeout.
        await receiver.WaitForAsync("/hang", 8, TimeSpan.FromSeconds(10));

        var clock = Stopwatch.StartNew();
        await quiet.Client.PublishAsync(new { type = "quiet.x", data = 1 });
        await receiver.WaitForAsync("/ok", 1, TimeSpan.FromSeconds(9));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the other organization's delivery took {clock.Elapsed.TotalSeconds:0.0} s");
        // The hanging organization got no more workers for arriving first: the other one's came on top.
        Assert.Equal(8, receiver.Requests.Count(r => r.Path == "/hang"));
    }

    [Fact]
    public async Task FloodOfOneOrganization_DoesNotQueueAnotherOrganizationsDeliveryBehindIt()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync(o => o.Workers = 8);
        receiver.Responder = (r, i) => r.Path == "/flood" ? ResponsePlan.Delayed(TimeSpan.FromMilliseconds(20)) : ResponsePlan.Ok;
        var hostile = await server.NewOrgAsync();
        var quiet = await server.NewOrgAsync();
        // Ten endpoints, so the flooding organization could take every worker through its endpoint shares.
        for (var i = 0; i < 10; i++)
        {
            await hostile.Client.CreateEndpointAsync(ApiTestSupport.EndpointBody(receiver.Url("/flood")));
        }
        await quiet.Client.CreateEndpointAsync(ApiTestSupport.EndpointBody(receiver.Url("/quiet")));
        const int Flood = 3_000;
        await PublishManyAsync(hostile.Client, Flood / 10, "flood.x");

        var floodedBefore = receiver.Requests.Count(r => r.Path == "/flood");
        await quiet.Client.PublishAsync(new { type = "quiet.x", data = 1 });
        var arrived = Assert.Single(await receiver.WaitForAsync("/quiet", 1, TimeSpan.FromSeconds(60)));

        AssertOvertook(receiver, "/flood", Flood, floodedBefore, arrived);
    }

    [Fact]
    public async Task FloodingEndpoint_DoesNotQueueAnotherEndpointOfTheSameOrganizationBehindIt()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync(o => o.Workers = 8);
        receiver.Responder = (r, i) => r.Path == "/flood" ? ResponsePlan.Delayed(TimeSpan.FromMilliseconds(40)) : ResponsePlan.Ok;
        var org = await server.NewOrgAsync();
        await org.Client.CreateEndpointAsync(ApiTestSupport.EndpointBody(receiver.Url("/flood"), new JsonObject { ["event_types"] = new JsonArray("flood.*") }));
        await org.Client.CreateEndpointAsync(ApiTestSupport.EndpointBody(receiver.Url("/quiet"), new JsonObject { ["event_types"] = new JsonArray("quiet.*") }));
        const int Flood = 1_500;
        await PublishManyAsync(org.Client, Flood, "flood.x");

        var floodedBefore = receiver.Requests.Count(r => r.Path == "/flood");
        await org.Client.PublishAsync(new { type = "quiet.x", data = 1 });
        var arrived = Assert.Single(await receiver.WaitForAsync("/quiet", 1, TimeSpan.FromSeconds(60)));

        AssertOvertook(receiver, "/flood", Flood, floodedBefore, arrived);
    }

    /// <summary>
    /// The quiet delivery arrived before most of the flood still waiting when it was published (claimed
    /// oldest due first, it would have come after all of it).
    /// </summary>
    private static void AssertOvertook(TestReceiver receiver, string floodPath, int flood, int floodedBefore, ReceivedRequest arrived)
    {
        var waiting = flood - floodedBefore;
        Assert.True(waiting >= flood / 2, $"only {waiting} of the {flood} flood deliveries were still waiting when the quiet event was published: the flood was not a backlog");
        var ahead = receiver.Requests.Count(r => r.Path == floodPath && r.Index < arrived.Index) - floodedBefore;
        Assert.True(ahead < waiting / 2, $"the quiet delivery arrived after {ahead} of the {waiting} flood deliveries waiting at its publication");
    }

    private static async Task PublishManyAsync(HttpClient client, int events, string type)
    {
        using var lanes = new SemaphoreSlim(16);
        await Task.WhenAll(Enumerable.Range(0, events).Select(async i =>
        {
            await lanes.WaitAsync();
            try
            {
                await client.PublishAsync(new { type, data = i });
            }
            finally
            {
                lanes.Release();
            }
        }));
    }
}

using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Tests.Delivery;

/// <summary>The circuit breaker and auto-disable, with the probe interval shortened.</summary>
public sealed class CircuitBreakerTests
{
    private static async Task<JsonNode> EndpointAsync(HeraldTestServer server, string name, string url, JsonObject? extra = null)
    {
        var body = new JsonObject { ["name"] = name, ["url"] = url };
        foreach (var (key, value) in extra ?? [])
        {
            body[key] = value?.DeepClone();
        }
        return await (await server.Client.PostJsonAsync("/v1/endpoints", body)).ReadJsonAsync(HttpStatusCode.Created);
    }

    private static async Task<JsonNode> WaitForEndpointAsync(HeraldTestServer server, string id, Func<JsonNode, bool> until, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var endpoint = await (await server.Client.GetAsync($"/v1/endpoints/{id}")).ReadJsonAsync(HttpStatusCode.OK);
            if (until(endpoint))
            {
                return endpoint;
            }
            Assert.True(DateTime.UtcNow < deadline, $"endpoint never became {what}: {endpoint.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task CircuitOpensAfterTenFailures_ProbesOncePerInterval_AndClosesWithoutConsumingAttempts()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync(o => o.CircuitProbeInterval = TimeSpan.FromMilliseconds(700));
        var healthy = false;
        receiver.Responder = (r, i) => Volatile.Read(ref healthy) ? ResponsePlan.Ok : ResponsePlan.Status(503);
        var endpoint = await EndpointAsync(server, "flaky receiver", receiver.Url("/cb"), new JsonObject
        {
            ["retry"] = JsonNode.Parse("""{"schedule": ["100ms", "100ms", "100ms", "100ms", "100ms"], "jitter": 0}"""),
        });
        var id = endpoint["id"]!.GetValue<string>();
        for (var i = 0; i < 12; i++)
        {
            await (await server.Client.PostJsonAsync("/v1/events", new JsonObject { ["type"] = "a.b", ["data"] = i })).ExpectStatusAsync(HttpStatusCode.Accepted);
        }

        await WaitForEndpointAsync(server, id, e => e["circuit"]!.GetValue<string>() == "open", "open");
        var atOpen = receiver.Count;
        Assert.InRange(atOpen, 10, 20);
        // Paused: over ~2.5 s only about one probe per 700 ms goes out, against a dozen retrying deliveries.
        await Task.Delay(2500);
        var probes = receiver.Count - atOpen;
        Assert.InRange(probes, 1, 5);
        var metrics = await server.Client.GetStringAsync("/metrics");
        Assert.Contains("herald_open_circuits 1", metrics);

        Volatile.Write(ref healthy, true);
        await WaitForEndpointAsync(server, id, e => e["circuit"]!.GetValue<string>() == "closed", "closed");
        // The backlog drains, and no delivery ran out of attempts while the circuit was open.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var succeeded = await (await server.Client.GetAsync($"/v1/deliveries?endpoint_id={id}&status=succeeded")).ReadJsonAsync(HttpStatusCode.OK);
            if (succeeded["data"]!.AsArray().Count == 12)
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, "the backlog did not drain after the circuit closed");
            await Task.Delay(100);
        }
        var failed = await (await server.Client.GetAsync($"/v1/deliveries?endpoint_id={id}&status=failed")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Empty(failed["data"]!.AsArray());
    }

    [Fact]
    public async Task FailingForTheAutoDisablePeriod_DisablesTheEndpoint_AndTellsTheOrganization()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync(o =>
        {
            o.CircuitProbeInterval = TimeSpan.FromMilliseconds(300);
            o.AutoDisableAfter = TimeSpan.FromSeconds(2);
        });
        receiver.Responder = (r, i) => r.Path == "/dead" ? ResponsePlan.Status(500) : ResponsePlan.Ok;
        await EndpointAsync(server, "ops watcher", receiver.Url("/ops"), new JsonObject { ["event_types"] = new JsonArray("herald.endpoint.disabled") });
        var dead = await EndpointAsync(server, "dead receiver", receiver.Url("/dead"), new JsonObject
        {
            ["event_types"] = new JsonArray("a.*"),
            ["retry"] = JsonNode.Parse("""{"schedule": ["200ms", "200ms", "200ms", "200ms", "200ms", "200ms", "200ms", "200ms", "200ms", "200ms", "200ms", "200ms", "200ms", "200ms", "200ms", "200ms", "200ms", "200ms", "200ms", "200ms"], "jitter": 0}"""),
        });
        var id = dead["id"]!.GetValue<string>();
        await (await server.Client.PostJsonAsync("/v1/events", new JsonObject { ["type"] = "a.b", ["data"] = 1 })).ExpectStatusAsync(HttpStatusCode.Accepted);

        var disabled = await WaitForEndpointAsync(server, id, e => !e["enabled"]!.GetValue<bool>(), "disabled");
        Assert.Contains("no success", disabled["disabled_reason"]!.GetValue<string>());
        var notice = (await receiver.WaitForAsync("/ops", 1, TimeSpan.FromSeconds(10)))[0].Json();
        Assert.Equal("herald.endpoint.disabled", notice["type"]!.GetValue<string>());
        Assert.Equal(id, notice.At("data.endpoint_id")!.GetValue<string>());
        Assert.Contains("no success", notice.At("data.reason")!.GetValue<string>());

        // Enabling is "try again": the circuit and the failure count start afresh.
        var enabled = await (await server.Client.PostAsync($"/v1/endpoints/{id}/enable", null)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("closed", enabled["circuit"]!.GetValue<string>());
        Assert.Null(enabled["disabled_reason"]);
    }
}

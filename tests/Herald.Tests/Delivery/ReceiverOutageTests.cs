using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Herald.Tests.Delivery;

public sealed class ReceiverOutageTests
{
    [Fact]
    public async Task ReceiverDown_ConnectionRefused_ThenBack_EverythingArrivesThroughRetriesAndTheProbe()
    {
        await using var server = await HeraldTestServer.StartAsync(o => o.CircuitProbeInterval = TimeSpan.FromMilliseconds(500));
        var port = FreePort.Next();
        await (await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "down for a while",
            ["url"] = $"http://127.0.0.1:{port}/back",
            ["retry"] = JsonNode.Parse("""{"schedule": ["100ms", "200ms", "400ms", "800ms", "1s", "1s", "1s", "1s"], "jitter": 0}"""),
        })).ExpectStatusAsync(HttpStatusCode.Created);
        for (var i = 0; i < 15; i++)
        {
            await (await server.Client.PostJsonAsync("/v1/events", new JsonObject { ["type"] = "a.b", ["data"] = i })).ExpectStatusAsync(HttpStatusCode.Accepted);
        }
        await Task.Delay(1500);

        // The receiver comes back on the same port.
        var received = new System.Collections.Concurrent.ConcurrentBag<int>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var receiver = builder.Build();
        receiver.MapPost("/back", async (HttpContext context) =>
        {
            var body = await System.Text.Json.JsonDocument.ParseAsync(context.Request.Body);
            received.Add(body.RootElement.GetProperty("data").GetInt32());
            return Results.Ok();
        });
        await receiver.StartAsync();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (received.Distinct().Count() < 15)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {received.Distinct().Count()} of 15 arrived after the receiver came back");
            await Task.Delay(100);
        }
        var failed = await (await server.Client.GetAsync("/v1/deliveries?status=failed")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Empty(failed["data"]!.AsArray());
        await receiver.StopAsync();
    }

    [Fact]
    public async Task EndpointsPerOrganization_AreLimited_WithAClear422()
    {
        await using var server = await HeraldTestServer.StartAsync();
        server.Store.EndpointLimit = 2;
        for (var i = 0; i < 2; i++)
        {
            await (await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject { ["name"] = $"ep{i}", ["url"] = "http://127.0.0.1:9/x" }))
                .ExpectStatusAsync(HttpStatusCode.Created);
        }
        var third = await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject { ["name"] = "ep2", ["url"] = "http://127.0.0.1:9/x" });
        var problem = await third.ReadJsonAsync((HttpStatusCode)422);
        Assert.Contains("2 endpoints", problem["detail"]!.GetValue<string>());
    }
}

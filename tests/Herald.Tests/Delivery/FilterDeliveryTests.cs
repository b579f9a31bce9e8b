using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Tests.Delivery;

public sealed class FilterDeliveryTests
{
    [Fact]
    public async Task Filter_DeliversOnlyMatchingEvents()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync();
        var endpoint = await (await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "Failed inspections",
            ["url"] = receiver.Url("/failed"),
            ["event_types"] = new JsonArray("inspection.*"),
            ["filter"] = JsonNode.Parse("""{"data.score": {"$lt": 50}, "resource.id": {"$in": ["audit_1", "audit_2"]}, "$not": {"data.archived": true}}"""),
        })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(50, endpoint["filter"]!["data.score"]!["$lt"]!.GetValue<int>());

        async Task<int> PublishAsync(string id, int score, bool archived) =>
            (await (await server.Client.PostJsonAsync("/v1/events", new JsonObject
            {
                ["type"] = "inspection.completed",
                ["resource"] = new JsonObject { ["type"] = "inspection", ["id"] = id },
                ["data"] = new JsonObject { ["score"] = score, ["archived"] = archived },
            })).ReadJsonAsync(HttpStatusCode.Accepted))["deliveries"]!.GetValue<int>();

        Assert.Equal(1, await PublishAsync("audit_1", 20, false));
        Assert.Equal(0, await PublishAsync("audit_1", 80, false));
        Assert.Equal(0, await PublishAsync("audit_9", 20, false));
        Assert.Equal(0, await PublishAsync("audit_2", 20, true));
        var delivered = await receiver.WaitForAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal(20, delivered[0].Json().At("data.score")!.GetValue<int>());
    }

    [Fact]
    public async Task Filter_WithAnUnknownOperator_Is422AtItsPath()
    {
        await using var server = await HeraldTestServer.StartAsync();
        var response = await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "bad filter",
            ["url"] = "http://127.0.0.1:9/x",
            ["filter"] = JsonNode.Parse("""{"data.score": {"$near": 5}, "data.name": {"$regex": "("}}"""),
        });
        var problem = await response.ReadJsonAsync((HttpStatusCode)422);
        var errors = problem["errors"]!.AsObject();
        Assert.Contains(errors, e => e.Key == "filter.data.score.$near");
        Assert.Contains(errors, e => e.Key == "filter.data.name.$regex");
    }
}

using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Xunit.Abstractions;

namespace Herald.Tests.Delivery;

public sealed class FilterDeliveryTests(ITestOutputHelper output)
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

    [Fact]
    public async Task Publish_StaysFast_WhenManyEndpointsHaveANestedQuantifierRegex_AndFansOutCorrectly()
    {
        // Each of these patterns is exponential on "aaaa…!" for a backtracking engine: with the 50 ms
        // match timeout, 200 of them held one publish for about ten seconds.
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync();
        async Task CreateAsync(string name, string pattern) =>
            await (await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
            {
                ["name"] = name,
                ["url"] = receiver.Url("/" + name),
                ["filter"] = new JsonObject { ["data.text"] = new JsonObject { ["$regex"] = pattern } },
            })).ExpectStatusAsync(HttpStatusCode.Created);
        for (var i = 0; i < 200; i++)
        {
            await CreateAsync($"nested-{i}", "^(a+)+$");
        }
        await CreateAsync("bang", "^(a+)+!$");
        var nearMatch = new string('a', 5000) + "!";

        // Twice: the first publish also loads the organization's endpoints.
        for (var round = 1; round <= 2; round++)
        {
            var stopwatch = Stopwatch.StartNew();
            var published = await (await server.Client.PostJsonAsync("/v1/events", new JsonObject
            {
                ["type"] = "text.received",
                ["data"] = new JsonObject { ["text"] = nearMatch },
            })).ReadJsonAsync(HttpStatusCode.Accepted);
            var elapsed = stopwatch.Elapsed;
            output.WriteLine($"publish {round} with 201 regex filters: {elapsed.TotalMilliseconds:F0} ms");

            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"took {elapsed}");
            Assert.Equal(1, published["deliveries"]!.GetValue<int>());
        }
        var delivered = await receiver.WaitForAsync(2, TimeSpan.FromSeconds(10));
        Assert.All(delivered, d => Assert.Equal("/bang", d.Path));
        Assert.Equal(nearMatch, delivered[0].Json().At("data.text")!.GetValue<string>());

        var matching = await (await server.Client.PostJsonAsync("/v1/events", new JsonObject
        {
            ["type"] = "text.received",
            ["data"] = new JsonObject { ["text"] = new string('a', 5000) },
        })).ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(200, matching["deliveries"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("(a)\\1")]
    [InlineData("^(?=.)(a+)+$")]
    [InlineData("(?<!x)a")]
    [InlineData("(?>a+)b")]
    public async Task Create_Returns422AtTheRegex_WhenThePatternNeedsBacktracking(string pattern)
    {
        await using var server = await HeraldTestServer.StartAsync();

        var response = await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "backtracking",
            ["url"] = "http://127.0.0.1:9/x",
            ["filter"] = new JsonObject { ["data.name"] = new JsonObject { ["$regex"] = pattern } },
        });

        var problem = await response.ExpectValidationErrorAsync("filter.data.name.$regex");
        Assert.Contains("lookarounds", problem.At("errors")!["filter.data.name.$regex"]![0]!.GetValue<string>());
    }
}

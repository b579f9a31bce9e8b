using System.Net;
using System.Text.Json.Nodes;
using Herald.Core;

namespace Herald.Tests.Delivery;

/// <summary>Deferred delivery (Ushahidi): pending deliveries leave at each interval, batched or one by one.</summary>
public sealed class DeferredTests : ServerWithReceiver
{
    private async Task<JsonNode> EndpointAsync(string path, bool batch, params string[] retry) =>
        await (await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = path,
            ["url"] = Receiver.Url(path),
            ["event_types"] = new JsonArray(path.Trim('/') + ".*"),
            ["delivery"] = new JsonObject { ["mode"] = "deferred", ["interval"] = "2s", ["batch"] = batch },
            ["retry"] = new JsonObject { ["schedule"] = new JsonArray([.. retry.Select(r => (JsonNode)r)]), ["jitter"] = 0 },
        })).ReadJsonAsync(HttpStatusCode.Created);

    private async Task<List<DateTimeOffset>> PublishAsync(string type, int count)
    {
        var created = new List<DateTimeOffset>();
        for (var i = 0; i < count; i++)
        {
            var accepted = await (await Server.Client.PostJsonAsync("/v1/events", new JsonObject { ["type"] = type, ["data"] = new JsonObject { ["n"] = i } }))
                .ReadJsonAsync(HttpStatusCode.Accepted);
            Assert.True(Times.TryParse(accepted["created_at"]!.GetValue<string>(), out var at));
            created.Add(at);
        }
        return created;
    }

    private static DateTimeOffset Boundary(DateTimeOffset t) =>
        DateTimeOffset.FromUnixTimeMilliseconds((t.ToUnixTimeMilliseconds() + 1999) / 2000 * 2000);

    [Fact]
    public async Task Batch_SendsOneSignedArrayPerInterval_NotBeforeTheInterval()
    {
        var endpoint = await EndpointAsync("/batched", batch: true);
        var secret = endpoint.At("signature.secret")!.GetValue<string>();
        var created = await PublishAsync("batched.created", 3);

        var items = 0;
        var requests = new List<ReceivedRequest>();
        while (items < 3)
        {
            requests = [.. await Receiver.WaitForAsync("/batched", requests.Count + 1, TimeSpan.FromSeconds(10))];
            items = requests.Sum(r => r.Json().AsArray().Count);
        }
        Assert.Equal(3, items);
        // Three publishes a few milliseconds apart fall into one interval, or at most straddle two.
        Assert.InRange(requests.Count, 1, 2);
        foreach (var request in requests)
        {
            Assert.StartsWith("batch_", request.Header("webhook-id"));
            Assert.True(IndependentVerifier.Verify(secret, request.Headers, request.Body, DateTimeOffset.UtcNow, out var reason), reason);
            Assert.All(request.Json().AsArray(), payload => Assert.Equal("1.0.0", payload!["version"]!.GetValue<string>()));
        }
        Assert.True(requests[0].ReceivedAt >= Boundary(created[0]).AddMilliseconds(-50), "the batch left before its interval");
        var numbers = requests.SelectMany(r => r.Json().AsArray()).Select(p => p!.At("data.n")!.GetValue<int>()).ToList();
        Assert.Equal([0, 1, 2], numbers.Order());

        // The receiver answered before Herald recorded it: wait for the three deliveries to read succeeded.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var deliveries = await (await Server.Client.GetAsync($"/v1/deliveries?endpoint_id={endpoint["id"]}&status=succeeded")).ReadJsonAsync(HttpStatusCode.OK);
            if (deliveries["data"]!.AsArray().Count == 3)
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, "the batch's deliveries were not all marked succeeded");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task FailedBatch_IsRetriedAsAWhole_UnderTheSameWebhookId()
    {
        await EndpointAsync("/rebatch", batch: true, "300ms");
        Receiver.Responder = (r, i) => r.Path == "/rebatch" && Receiver.Requests.Count(x => x.Path == "/rebatch") == 1
            ? ResponsePlan.Status(500)
            : ResponsePlan.Ok;
        await PublishAsync("rebatch.created", 2);

        var requests = await Receiver.WaitForAsync("/rebatch", 2, TimeSpan.FromSeconds(10));
        Assert.Equal(requests[0].Header("webhook-id"), requests[1].Header("webhook-id"));
        Assert.Equal(requests[0].BodyText, requests[1].BodyText);
    }

    [Fact]
    public async Task Batch_OfLargeEvents_IsSplitIntoRequestsOfAtMost5MiB_EachUnderItsOwnWebhookId_LosingNothing()
    {
        // Twelve events of 900 KB: one request would carry 10.8 MB. The limit allows five per request.
        await EndpointAsync("/bigbatch", batch: true);
        var text = new string('x', 900_000);
        for (var i = 0; i < 12; i++)
        {
            await (await Server.Client.PostJsonAsync("/v1/events", new JsonObject { ["type"] = "bigbatch.created", ["data"] = new JsonObject { ["n"] = i, ["text"] = text } }))
                .ExpectStatusAsync(HttpStatusCode.Accepted);
        }

        var requests = new List<ReceivedRequest>();
        var items = 0;
        while (items < 12)
        {
            requests = [.. await Receiver.WaitForAsync("/bigbatch", requests.Count + 1, TimeSpan.FromSeconds(30))];
            items = requests.Sum(r => r.Json().AsArray().Count);
        }

        Assert.InRange(requests.Count, 3, 12);
        Assert.All(requests, r => Assert.True(r.Body.Length <= Herald.Engine.Delivery.Dispatcher.MaxBatchBytes + 16 * 1024, $"a batch request of {r.Body.Length} bytes"));
        Assert.Equal(requests.Count, requests.Select(r => r.Header("webhook-id")).Distinct().Count());
        var numbers = requests.SelectMany(r => r.Json().AsArray()).Select(p => p!.At("data.n")!.GetValue<int>()).ToList();
        Assert.Equal(Enumerable.Range(0, 12), numbers.Order());
        Assert.All(requests.SelectMany(r => r.Json().AsArray()), p => Assert.Equal(text, p!.At("data.text")!.GetValue<string>()));
    }

    [Fact]
    public async Task DeferredWithoutBatch_SendsEachPayloadAtTheInterval()
    {
        await EndpointAsync("/periodic", batch: false);
        var created = await PublishAsync("periodic.created", 2);

        var requests = await Receiver.WaitForAsync("/periodic", 2, TimeSpan.FromSeconds(10));
        Assert.All(requests, r => Assert.StartsWith("dlv_", r.Header("webhook-id")));
        Assert.All(requests, r => Assert.Equal(JsonValueKindObject, r.Json().GetValueKind()));
        Assert.True(requests.Min(r => r.ReceivedAt) >= Boundary(created[0]).AddMilliseconds(-50), "a deferred delivery left before its interval");
    }

    private const System.Text.Json.JsonValueKind JsonValueKindObject = System.Text.Json.JsonValueKind.Object;

    [Fact]
    public async Task Deferred_RequiresAnInterval()
    {
        var response = await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "no-interval", ["url"] = Receiver.Url(), ["delivery"] = new JsonObject { ["mode"] = "deferred" },
        });
        var problem = await response.ReadJsonAsync((HttpStatusCode)422);
        Assert.NotNull(problem["errors"]!["delivery.interval"]);
    }
}

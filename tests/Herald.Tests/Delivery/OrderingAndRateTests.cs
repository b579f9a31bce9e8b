using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Tests.Delivery;

public sealed class OrderingAndRateTests : ServerWithReceiver
{
    private async Task PublishAsync(string type, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await (await Server.Client.PostJsonAsync("/v1/events", new JsonObject { ["type"] = type, ["data"] = new JsonObject { ["n"] = i } }))
                .ExpectStatusAsync(HttpStatusCode.Accepted);
        }
    }

    [Fact]
    public async Task Fifo_DeliversInPublishOrder_AndARetryingDeliveryHoldsBackTheLaterOnes()
    {
        await (await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "ordered",
            ["url"] = Receiver.Url("/fifo"),
            ["event_types"] = new JsonArray("fifo.*"),
            ["ordering"] = "fifo",
            ["retry"] = JsonNode.Parse("""{"schedule": ["200ms", "200ms", "200ms"], "jitter": 0}"""),
        })).ExpectStatusAsync(HttpStatusCode.Created);
        // The first event fails twice before it is acknowledged; each request is answered after 30 ms
        // so that concurrent sending, if any, would overlap and reorder.
        var failuresLeft = 2;
        Receiver.Responder = (r, i) => r.Json().At("data.n")!.GetValue<int>() == 0 && Interlocked.Decrement(ref failuresLeft) >= 0
            ? ResponsePlan.Status(503)
            : ResponsePlan.Delayed(TimeSpan.FromMilliseconds(30));

        await PublishAsync("fifo.created", 6);
        var requests = await Receiver.WaitForAsync("/fifo", 8, TimeSpan.FromSeconds(20));
        Assert.Equal([0, 0, 0, 1, 2, 3, 4, 5], requests.Select(r => r.Json().At("data.n")!.GetValue<int>()));
    }

    [Fact]
    public async Task RateLimit_KeepsEveryOneSecondWindowWithinTheLimit()
    {
        await (await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "paced",
            ["url"] = Receiver.Url("/paced"),
            ["event_types"] = new JsonArray("paced.*"),
            ["rate_limit"] = 5,
        })).ExpectStatusAsync(HttpStatusCode.Created);

        await PublishAsync("paced.created", 12);
        var times = (await Receiver.WaitForAsync("/paced", 12, TimeSpan.FromSeconds(20))).Select(r => r.ReceivedAt).Order().ToList();
        // Five per second: any six consecutive requests span at least a second (a few ms of slack for scheduling).
        for (var i = 0; i + 5 < times.Count; i++)
        {
            Assert.True(times[i + 5] - times[i] >= TimeSpan.FromMilliseconds(980), $"requests {i}..{i + 5} arrived within {(times[i + 5] - times[i]).TotalMilliseconds} ms; offsets: {string.Join(", ", times.Select(t => (int)(t - times[0]).TotalMilliseconds))}");
        }
        await Task.Delay(300);
        Assert.Equal(12, Receiver.Requests.Count(r => r.Path == "/paced"));
    }

    [Fact]
    public async Task Fifo_WithBatchedDeferredDelivery_Is422()
    {
        var response = await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "fifo-batch", ["url"] = Receiver.Url(), ["ordering"] = "fifo",
            ["delivery"] = new JsonObject { ["mode"] = "deferred", ["interval"] = "1m", ["batch"] = true },
        });
        Assert.NotNull((await response.ReadJsonAsync((HttpStatusCode)422)).At("errors.ordering"));
    }
}

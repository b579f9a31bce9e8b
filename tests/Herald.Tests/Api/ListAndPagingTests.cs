using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using static Herald.Tests.Api.ApiTestSupport;

namespace Herald.Tests.Api;

/// <summary>List shapes, cursors, times and search filters of events and deliveries.</summary>
public sealed class ListAndPagingTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly string[] ListRoutes = ["/v1/endpoints", "/v1/events", "/v1/deliveries", "/v1/event-types", "/v1/keys", "/v1/orgs"];

    private HeraldTestServer Server => fixture.Server;

    [Fact]
    public async Task List_DefaultsTo50Items_AndPagesTheRest()
    {
        var org = await Server.NewOrgAsync();
        var published = new List<string>();
        for (var i = 0; i < 53; i++)
        {
            published.Add((await org.Client.PublishAsync(new { type = "bulk.item", data = i })).Str("id"));
        }

        var first = await (await org.Client.GetAsync("/v1/events")).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(50, first.At("data")!.AsArray().Count);
        var cursor = first.Str("next_cursor");
        var rest = await (await org.Client.GetAsync($"/v1/events?cursor={Uri.EscapeDataString(cursor)}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(3, rest.At("data")!.AsArray().Count);
        Assert.Null(rest.At("next_cursor"));
        var all = first.At("data")!.AsArray().Concat(rest.At("data")!.AsArray()).Select(n => n!).Ids();
        Assert.Equal(Enumerable.Reverse(published), all);
    }

    [Theory]
    [InlineData("limit=251", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=not-a-cursor!", "cursor")]
    [InlineData("cursor=%00%01", "cursor")]
    [InlineData("since=yesterday", "since")]
    [InlineData("since=2026-11-22", "since")]
    [InlineData("since=2026-11-22T23:15:00", "since")]
    [InlineData("until=1700000000", "until")]
    [InlineData("until=2026-13-40T99:00:00Z", "until")]
    public async Task List_Returns422AtTheParameter_WhenItIsInvalid(string query, string parameter)
    {
        foreach (var route in ListRoutes.Where(r => parameter is "limit" or "cursor" || r is "/v1/events" or "/v1/deliveries"))
        {
            var response = await Server.Client.GetAsync($"{route}?{query}");

            await response.ExpectValidationErrorAsync(parameter);
        }
    }

    [Theory]
    [InlineData("limit=250")]
    [InlineData("limit=1")]
    [InlineData("since=2020-01-01T00:00:00.000Z&until=2020-01-02T00:00:00Z")]
    [InlineData("since=2020-01-01T02:00:00%2B02:00")]
    public async Task List_Accepts_ValidParameters(string query)
    {
        foreach (var route in new[] { "/v1/events", "/v1/deliveries" })
        {
            var body = await (await Server.Client.GetAsync($"{route}?{query}")).ReadJsonAsync(HttpStatusCode.OK);

            Assert.IsType<JsonArray>(body.At("data"));
            Assert.True(body.AsObject().ContainsKey("next_cursor"), "next_cursor is missing");
        }
    }

    [Fact]
    public async Task Events_PageNewestFirst_WithoutDuplicates_UntilTheCursorIsNull()
    {
        var org = await Server.NewOrgAsync();
        var published = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            published.Add((await org.Client.PublishAsync(new { type = "page.item", data = new { i } })).Str("id"));
        }

        var seen = new List<string>();
        var pageSizes = new List<int>();
        string? cursor = null;
        do
        {
            var url = cursor is null ? "/v1/events?limit=3" : $"/v1/events?limit=3&cursor={Uri.EscapeDataString(cursor)}";
            var page = await (await org.Client.GetAsync(url)).ReadJsonAsync(HttpStatusCode.OK);
            var items = page.At("data")!.AsArray();
            pageSizes.Add(items.Count);
            seen.AddRange(items.Select(n => n!.Str("id")));
            cursor = page.At("next_cursor")?.GetValue<string>();
        }
        while (cursor is not null && pageSizes.Count < 10);

        Assert.Equal([3, 3, 1], pageSizes);
        Assert.Equal(Enumerable.Reverse(published), seen);
    }

    [Fact]
    public async Task Events_WithExactlyOnePageOfItems_ListEachOnce()
    {
        var org = await Server.NewOrgAsync();
        for (var i = 0; i < 3; i++)
        {
            await org.Client.PublishAsync(new { type = "page.item", data = i });
        }

        var all = await org.Client.ListAllAsync("/v1/events?limit=3");

        Assert.Equal(3, all.Count);
        Assert.Equal(3, all.Ids().Distinct().Count());
    }

    [Fact]
    public async Task Events_CanBeSearchedByType()
    {
        var org = await Server.NewOrgAsync();
        var started = (await org.Client.PublishAsync(new { type = "inspection.started", data = 1 })).Str("id");
        await org.Client.PublishAsync(new { type = "inspection.completed", data = 2 });
        var startedAgain = (await org.Client.PublishAsync(new { type = "inspection.started", data = 3 })).Str("id");

        var found = await org.Client.ListAllAsync("/v1/events?type=inspection.started");

        Assert.Equal([startedAgain, started], found.Ids());
        Assert.All(found, e => Assert.Equal("inspection.started", e.Str("type")));
        Assert.Empty(await org.Client.ListAllAsync("/v1/events?type=inspection"));
    }

    [Fact]
    public async Task Events_CanBeSearchedByResource()
    {
        var org = await Server.NewOrgAsync();
        var audit7 = (await org.Client.PublishAsync(new { type = "inspection.started", resource = new { type = "inspection", id = "audit_7" }, data = 1 })).Str("id");
        await org.Client.PublishAsync(new { type = "inspection.started", resource = new { type = "inspection", id = "audit_8" }, data = 2 });
        await org.Client.PublishAsync(new { type = "action.created", resource = new { type = "action", id = "audit_7" }, data = 3 });
        var audit7Done = (await org.Client.PublishAsync(new { type = "inspection.completed", resource = new { type = "inspection", id = "audit_7" }, data = 4 })).Str("id");
        await org.Client.PublishAsync(new { type = "inspection.started", data = 5 });

        var byResource = await org.Client.ListAllAsync("/v1/events?resource_type=inspection&resource_id=audit_7");
        var byType = await org.Client.ListAllAsync("/v1/events?resource_type=inspection");

        Assert.Equal([audit7Done, audit7], byResource.Ids());
        Assert.All(byResource, e => Json.AssertEqual(new { type = "inspection", id = "audit_7" }, e.At("resource")));
        var byId = await org.Client.ListAllAsync("/v1/events?resource_id=audit_7");
        Assert.Equal(3, byId.Count);
        Assert.All(byId, e => Assert.Equal("audit_7", e.Str("resource.id")));
        Assert.Equal(3, byType.Count);
        Assert.All(byType, e => Assert.Equal("inspection", e.Str("resource.type")));
    }

    [Fact]
    public async Task Events_CanBeSearchedInATimeWindow_SinceInclusiveUntilExclusive()
    {
        var org = await Server.NewOrgAsync();
        var published = new List<(string Id, string CreatedAt)>();
        for (var i = 0; i < 6; i++)
        {
            var accepted = await org.Client.PublishAsync(new { type = "inspection.updated", resource = new { type = "inspection", id = $"audit_{i}" }, data = i });
            published.Add((accepted.Str("id"), accepted.Str("created_at")));
            await Task.Delay(15); // distinct created_at values make the window edges meaningful
        }
        var since = published[1].CreatedAt;
        var until = published[4].CreatedAt;
        var expected = published
            .Where(p => string.CompareOrdinal(p.CreatedAt, since) >= 0 && string.CompareOrdinal(p.CreatedAt, until) < 0)
            .Select(p => p.Id).Reverse().ToList();
        Assert.Contains(published[1].Id, expected);
        Assert.DoesNotContain(published[4].Id, expected);

        var found = await org.Client.ListAllAsync($"/v1/events?since={Uri.EscapeDataString(since)}&until={Uri.EscapeDataString(until)}");
        var onlySince = await org.Client.ListAllAsync($"/v1/events?since={Uri.EscapeDataString(since)}");
        var onlyUntil = await org.Client.ListAllAsync($"/v1/events?until={Uri.EscapeDataString(until)}");
        var withType = await org.Client.ListAllAsync($"/v1/events?type=inspection.updated&since={Uri.EscapeDataString(since)}&until={Uri.EscapeDataString(until)}&limit=1");

        Assert.Equal(expected, found.Ids());
        Assert.Equal(published.Where(p => string.CompareOrdinal(p.CreatedAt, since) >= 0).Select(p => p.Id).Reverse(), onlySince.Ids());
        Assert.Equal(published.Where(p => string.CompareOrdinal(p.CreatedAt, until) < 0).Select(p => p.Id).Reverse(), onlyUntil.Ids());
        Assert.Equal(expected, withType.Ids());
    }

    [Fact]
    public async Task Events_WindowAcceptsAnOffsetTime_AsTheSameInstant()
    {
        var org = await Server.NewOrgAsync();
        var accepted = await org.Client.PublishAsync(new { type = "offset.check", data = 1 });
        var createdAt = DateTimeOffset.Parse(accepted.Str("created_at"), CultureInfo.InvariantCulture);
        var sinceWithOffset = createdAt.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

        var found = await org.Client.ListAllAsync($"/v1/events?since={Uri.EscapeDataString(sinceWithOffset)}");

        Assert.Equal([accepted.Str("id")], found.Ids());
    }

    [Fact]
    public async Task Events_Return422_WhenUntilIsNotAfterSince()
    {
        var response = await Server.Client.GetAsync("/v1/events?since=2026-01-02T00:00:00.000Z&until=2026-01-01T00:00:00.000Z");

        await response.ExpectProblemAsync((HttpStatusCode)422);
    }

    [Fact]
    public async Task Event_ShowsTheDocumentedShape()
    {
        var org = await Server.NewOrgAsync();
        var accepted = await org.Client.PublishAsync(JsonNode.Parse("""
            {"type": "inspection.started",
             "resource": {"type": "inspection", "id": "audit_7e9ee886"},
             "triggered_by": {"type": "user", "id": "user_bb5b6ba0", "name": "John Smith"},
             "occurred_at": "2017-06-29T05:15:19.136Z",
             "data": {"audit_id": "audit_7e9ee886", "score": 0}}
            """)!);
        var bare = await org.Client.PublishAsync(new { type = "bare.event", data = "just a string" });

        var fetched = await (await org.Client.GetAsync($"/v1/events/{accepted.Str("id")}")).ReadJsonAsync(HttpStatusCode.OK);
        var fetchedBare = await (await org.Client.GetAsync($"/v1/events/{bare.Str("id")}")).ReadJsonAsync(HttpStatusCode.OK);

        Json.AssertEqual(new
        {
            id = accepted.Str("id"),
            type = "inspection.started",
            resource = new { type = "inspection", id = "audit_7e9ee886" },
            triggered_by = new { type = "user", id = "user_bb5b6ba0", name = "John Smith" },
            occurred_at = "2017-06-29T05:15:19.136Z",
            created_at = accepted.Str("created_at"),
            data = new { audit_id = "audit_7e9ee886", score = 0 },
        }, fetched);
        Json.AssertEqual(new
        {
            id = bare.Str("id"),
            type = "bare.event",
            resource = (object?)null,
            triggered_by = (object?)null,
            occurred_at = (object?)null,
            created_at = bare.Str("created_at"),
            data = "just a string",
        }, fetchedBare);
    }

    [Fact]
    public async Task Deliveries_CanBeFilteredByStatusEndpointAndEvent()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Responder = (request, _) => request.Path == "/fail" ? ResponsePlan.Status(500) : ResponsePlan.Ok;
        var org = await Server.NewOrgAsync();
        var good = (await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url("/ok")))).Str("id");
        var bad = (await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url("/fail")))).Str("id");
        var first = (await org.Client.PublishAsync(new { type = "filter.me", data = 1 })).Str("id");
        var second = (await org.Client.PublishAsync(new { type = "filter.me", data = 2 })).Str("id");
        await receiver.WaitForAsync(4, TimeSpan.FromSeconds(10));
        var all = await WaitForFinalAsync(org.Client, 4);

        var succeeded = await org.Client.ListAllAsync("/v1/deliveries?status=succeeded");
        var failed = await org.Client.ListAllAsync("/v1/deliveries?status=failed");
        var pending = await org.Client.ListAllAsync("/v1/deliveries?status=pending");
        var toGood = await org.Client.ListAllAsync($"/v1/deliveries?endpoint_id={good}");
        var ofFirst = await org.Client.ListAllAsync($"/v1/deliveries?event_id={first}");
        var badOfSecond = await org.Client.ListAllAsync($"/v1/deliveries?endpoint_id={bad}&event_id={second}");
        var failedToGood = await org.Client.ListAllAsync($"/v1/deliveries?endpoint_id={good}&status=failed");
        var eventDeliveries = await org.Client.ListAllAsync($"/v1/events/{first}/deliveries");

        Assert.Equal(4, all.Count);
        Assert.Equal(2, succeeded.Count);
        Assert.All(succeeded, d => Assert.Equal(good, d.Str("endpoint_id")));
        Assert.Equal(2, failed.Count);
        Assert.All(failed, d => Assert.Equal(bad, d.Str("endpoint_id")));
        Assert.Empty(pending);
        Assert.Equal(2, toGood.Count);
        Assert.All(toGood, d => Assert.Equal(good, d.Str("endpoint_id")));
        Assert.Equal(2, ofFirst.Count);
        Assert.All(ofFirst, d => Assert.Equal(first, d.Str("event_id")));
        var single = Assert.Single(badOfSecond);
        Assert.Equal("failed", single.Str("status"));
        Assert.Equal(1, single.At("attempt_count")!.GetValue<int>());
        Assert.Null(single.At("next_attempt_at"));
        Assert.Empty(failedToGood);
        Assert.Equal(ofFirst.Ids().Order(), eventDeliveries.Ids().Order());

        var shape = single.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal);
        Assert.Equal(["attempt_count", "created_at", "endpoint_id", "event_id", "id", "next_attempt_at", "status", "updated_at"], shape);
    }

    [Fact]
    public async Task Deliveries_CanBeFilteredByPendingAndCancelled()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.DefaultResponse = ResponsePlan.Status(500);
        var org = await Server.NewOrgAsync();
        var endpointId = (await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url("/flaky"), new JsonObject
        {
            ["retry"] = new JsonObject { ["schedule"] = new JsonArray("1h"), ["jitter"] = 0 },
        }))).Str("id");
        var eventId = (await org.Client.PublishAsync(new { type = "retry.later", data = 1 })).Str("id");
        await receiver.WaitForAsync(1, TimeSpan.FromSeconds(10));
        var waiting = await WaitForDeliveryAsync(org.Client, eventId, d => d.At("attempt_count")!.GetValue<int>() == 1);

        Assert.Equal("pending", waiting.Str("status"));
        Assert.NotNull(waiting.At("next_attempt_at"));
        Assert.Equal([waiting.Str("id")], (await org.Client.ListAllAsync("/v1/deliveries?status=pending")).Ids());
        Assert.Empty(await org.Client.ListAllAsync("/v1/deliveries?status=cancelled"));

        await (await org.Client.DeleteAsync($"/v1/endpoints/{endpointId}")).ExpectStatusAsync(HttpStatusCode.NoContent);

        var cancelled = await (await org.Client.GetAsync($"/v1/deliveries/{waiting.Str("id")}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.Str("status"));
        Assert.Equal([waiting.Str("id")], (await org.Client.ListAllAsync("/v1/deliveries?status=cancelled")).Ids());
        Assert.Empty(await org.Client.ListAllAsync("/v1/deliveries?status=pending"));
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("SUCCEEDED")]
    [InlineData("done")]
    public async Task Deliveries_Return422AtStatus_WhenTheStatusIsUnknown(string status)
    {
        var response = await Server.Client.GetAsync($"/v1/deliveries?status={status}");

        await response.ExpectValidationErrorAsync("status");
    }

    [Fact]
    public async Task Deliveries_PageNewestFirst()
    {
        var org = await Server.NewOrgAsync();
        await org.Client.CreateEndpointAsync(EndpointBody(QuietUrl, new JsonObject { ["enabled"] = false }));
        // Disabled and non-matching endpoints get no deliveries: only the receiver's five are listed.
        await org.Client.CreateEndpointAsync(EndpointBody(QuietUrl, new JsonObject { ["event_types"] = new JsonArray("none.of.these") }));
        await using var receiver = await TestReceiver.StartAsync();
        await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url()));
        for (var i = 0; i < 5; i++)
        {
            await org.Client.PublishAsync(new { type = "page.delivery", data = i });
        }
        await receiver.WaitForAsync(5, TimeSpan.FromSeconds(10));

        var pages = new List<int>();
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var url = cursor is null ? "/v1/deliveries?limit=2" : $"/v1/deliveries?limit=2&cursor={Uri.EscapeDataString(cursor)}";
            var page = await (await org.Client.GetAsync(url)).ReadJsonAsync(HttpStatusCode.OK);
            pages.Add(page.At("data")!.AsArray().Count);
            ids.AddRange(page.At("data")!.AsArray().Select(d => d!.Str("id")));
            cursor = page.At("next_cursor")?.GetValue<string>();
        }
        while (cursor is not null && pages.Count < 10);

        Assert.Equal([2, 2, 1], pages);
        Assert.Equal(5, ids.Distinct().Count());
        Assert.Equal(ids.OrderDescending(StringComparer.Ordinal), ids);
    }

    private static async Task<JsonNode> WaitForDeliveryAsync(HttpClient client, string eventId, Func<JsonNode, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var deliveries = await client.ListAllAsync($"/v1/events/{eventId}/deliveries");
            if (deliveries.Count == 1 && done(deliveries[0]))
            {
                return deliveries[0];
            }
            Assert.True(DateTime.UtcNow < deadline, $"The delivery did not get there: {string.Join(", ", deliveries.Select(d => d.ToJsonString()))}");
            await Task.Delay(50);
        }
    }

    private static async Task<List<JsonNode>> WaitForFinalAsync(HttpClient client, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var all = await client.ListAllAsync("/v1/deliveries");
            if ((all.Count >= count && all.All(d => d.Str("status") is "succeeded" or "failed")) || DateTime.UtcNow > deadline)
            {
                return all;
            }
            await Task.Delay(50);
        }
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Herald.Core;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Seeds;

/// <summary>The SafetyCulture webhook document, reproduced, on an injected clock.</summary>
public sealed class SafetyCultureTests : ServerWithReceiver
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    protected override Task<HeraldTestServer> StartServerAsync() => HeraldTestServer.StartAsync(clock: _clock);

    private async Task<JsonNode> DeliveryAsync(string eventId)
    {
        var list = await (await Server.Client.GetAsync($"/v1/events/{eventId}/deliveries")).ReadJsonAsync(HttpStatusCode.OK);
        return await (await Server.Client.GetAsync($"/v1/deliveries/{list.At("data[0].id")}")).ReadJsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RetryPolicy_GivesFourAttempts_100SecondsApart()
    {
        await (await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "SafetyCulture policy",
            ["url"] = Receiver.Url("/sc"),
            ["retry"] = JsonNode.Parse("""{"schedule": ["100s", "100s", "100s"], "jitter": 0}"""),
        })).ExpectStatusAsync(HttpStatusCode.Created);
        Receiver.DefaultResponse = ResponsePlan.Status(500);
        var published = await (await Server.Client.PostJsonAsync("/v1/events", new JsonObject
        {
            ["type"] = "inspection.started", ["data"] = new JsonObject { ["audit_id"] = "audit_7e9ee886" },
        })).ReadJsonAsync(HttpStatusCode.Accepted);
        var eventId = published["id"]!.GetValue<string>();

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await Receiver.WaitForAsync("/sc", attempt, TimeSpan.FromSeconds(10));
            // Wait until the attempt is recorded, then move the clock to the next scheduled time.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while ((await DeliveryAsync(eventId))["attempt_count"]!.GetValue<int>() < attempt)
            {
                Assert.True(DateTime.UtcNow < deadline, $"attempt {attempt} was not recorded");
                await Task.Delay(20);
            }
            if (attempt < 4)
            {
                // Nothing goes out before the 100 s are up.
                _clock.Advance(TimeSpan.FromSeconds(99));
                await Task.Delay(1200);
                Assert.Equal(attempt, Receiver.Requests.Count(r => r.Path == "/sc"));
                _clock.Advance(TimeSpan.FromSeconds(1));
            }
        }

        var delivery = await DeliveryAsync(eventId);
        Assert.Equal("failed", delivery["status"]!.GetValue<string>());
        var started = delivery["attempts"]!.AsArray().Select(a => DateTimeOffset.Parse(a!["started_at"]!.GetValue<string>())).ToList();
        Assert.Equal(4, started.Count);
        Assert.All(started.Zip(started.Skip(1)), pair => Assert.Equal(100, (pair.Second - pair.First).TotalSeconds, 0.001));
        _clock.Advance(TimeSpan.FromSeconds(500));
        await Task.Delay(1200);
        Assert.Equal(4, Receiver.Requests.Count(r => r.Path == "/sc"));
    }

    [Fact]
    public async Task SearchingADateRange_FindsExactlyTheEventsInIt()
    {
        // "Search modified inspections in a date range" to reconcile with the webhooks received.
        var created = new List<(string Id, DateTimeOffset At)>();
        for (var i = 0; i < 6; i++)
        {
            var accepted = await (await Server.Client.PostJsonAsync("/v1/events", new JsonObject
            {
                ["type"] = "inspection.updated",
                ["resource"] = new JsonObject { ["type"] = "inspection", ["id"] = $"audit_{i}" },
                ["data"] = new JsonObject { ["n"] = i },
            })).ReadJsonAsync(HttpStatusCode.Accepted);
            Assert.True(Times.TryParse(accepted["created_at"]!.GetValue<string>(), out var at));
            created.Add((accepted["id"]!.GetValue<string>(), at));
            _clock.Advance(TimeSpan.FromMinutes(10));
        }

        // [since, until): the 2nd event's time is in, the 5th's is out.
        var since = Uri.EscapeDataString(Times.Format(created[1].At));
        var until = Uri.EscapeDataString(Times.Format(created[4].At));
        var found = await (await Server.Client.GetAsync($"/v1/events?type=inspection.updated&since={since}&until={until}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(
            [created[3].Id, created[2].Id, created[1].Id],
            found["data"]!.AsArray().Select(e => e!["id"]!.GetValue<string>()));
    }
}

/// <summary>SafetyCulture's own webhook body, produced by a template endpoint from a published event.</summary>
public sealed class SafetyCultureTemplateTests
{
    [Fact]
    public async Task TemplateEndpoint_ReproducesTheInspectionStartedBody()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync();
        await (await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "SafetyCulture-compatible",
            ["url"] = receiver.Url("/sc"),
            ["format"] = "template",
            ["template"] = Templates.BodyTemplateTests.SafetyCultureTemplate,
        })).ExpectStatusAsync(HttpStatusCode.Created);

        var document = JsonNode.Parse(Templates.BodyTemplateTests.SafetyCultureBody)!;
        await (await server.Client.PostJsonAsync("/v1/events", new JsonObject
        {
            ["type"] = "inspection.started",
            ["resource"] = new JsonObject { ["type"] = "inspection", ["id"] = document.At("data.audit.audit_id")!.GetValue<string>() },
            ["triggered_by"] = new JsonObject
            {
                ["type"] = "user",
                ["id"] = document.At("event.triggered_by.user")!.GetValue<string>(),
                ["name"] = document.At("event.triggered_by.name")!.GetValue<string>(),
            },
            ["occurred_at"] = document.At("event.date_triggered")!.GetValue<string>(),
            ["data"] = document["data"]!.DeepClone(),
        })).ExpectStatusAsync(HttpStatusCode.Accepted);

        var request = (await receiver.WaitForAsync(1, TimeSpan.FromSeconds(10)))[0];
        Assert.True(JsonNode.DeepEquals(document, request.Json()), request.BodyText);
    }

    [Fact]
    public async Task TemplateThatDoesNotParse_Is422_AndOneThatRendersBadJson_FailsTheAttemptWithTheReason()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync();
        var unparsable = await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "broken", ["url"] = receiver.Url(), ["format"] = "template", ["template"] = "{% if %}",
        });
        var problem = await unparsable.ReadJsonAsync((HttpStatusCode)422);
        Assert.NotNull(problem.At("errors.template"));

        var endpoint = await (await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "not json", ["url"] = receiver.Url(), ["format"] = "template", ["template"] = "{\"type\": {{ event.type }}}",
        })).ReadJsonAsync(HttpStatusCode.Created);
        var attempt = await (await server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/test", null)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Null(attempt["response"]);
        Assert.Contains("valid JSON", attempt["error"]!.GetValue<string>());
        Assert.Empty(receiver.Requests);
    }
}

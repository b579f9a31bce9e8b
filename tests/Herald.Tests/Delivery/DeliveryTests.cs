using System.Net;
using System.Text.Json.Nodes;
using Herald.Core;

namespace Herald.Tests.Delivery;

/// <summary>
/// Publish → fan-out → signed delivery → retries, end to end: Herald on real Kestrel and SQLite,
/// real loopback receivers, signatures checked by a verifier that shares no code with Herald.
/// </summary>
public sealed class DeliveryTests : ServerWithReceiver
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    /// <summary>Each test works in an organization of its own, so tests sharing the server never see each other's data.</summary>
    private async Task<HttpClient> NewOrgAsync()
    {
        var org = await (await Server.Client.PostJsonAsync("/v1/orgs", new JsonObject { ["name"] = "org-" + Guid.NewGuid().ToString("N") }))
            .ReadJsonAsync(HttpStatusCode.Created);
        return Server.ClientFor(org["admin_key"]!.GetValue<string>());
    }

    private async Task<JsonNode> CreateEndpointAsync(HttpClient client, JsonObject body, string path = "/hook")
    {
        body["name"] ??= "ep-" + Guid.NewGuid().ToString("N");
        body["url"] ??= Receiver.Url(path);
        return await (await client.PostJsonAsync("/v1/endpoints", body)).ReadJsonAsync(HttpStatusCode.Created);
    }

    private static async Task<JsonNode> PublishAsync(HttpClient client, JsonObject body) =>
        await (await client.PostJsonAsync("/v1/events", body)).ReadJsonAsync(HttpStatusCode.Accepted);

    private static JsonObject Retry(params string[] schedule) =>
        new() { ["schedule"] = new JsonArray([.. schedule.Select(s => (JsonNode)s)]), ["jitter"] = 0 };

    private static async Task<JsonNode> DeliveryOfEventAsync(HttpClient client, string eventId)
    {
        var list = await (await client.GetAsync($"/v1/events/{eventId}/deliveries")).ReadJsonAsync(HttpStatusCode.OK);
        var id = list["data"]![0]!["id"]!.GetValue<string>();
        return await (await client.GetAsync($"/v1/deliveries/{id}")).ReadJsonAsync(HttpStatusCode.OK);
    }

    /// <summary>Polls the delivery until it reaches a status; the API is the only view a user has of it.</summary>
    private static async Task<JsonNode> WaitForStatusAsync(HttpClient client, string eventId, string status)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var delivery = await DeliveryOfEventAsync(client, eventId);
            if (delivery["status"]!.GetValue<string>() == status)
            {
                return delivery;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Delivery of {eventId} did not reach {status}: {delivery.ToJsonString()}");
            }
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Publish_DeliversSignedEnvelope_ThatAnIndependentVerifierAccepts()
    {
        var client = await NewOrgAsync();
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        var endpoint = await CreateEndpointAsync(client, new JsonObject
        {
            ["signature"] = new JsonObject { ["scheme"] = "standard", ["secret"] = secret },
        }, "/signed");
        Assert.Equal(secret, endpoint.At("signature.secret")!.GetValue<string>());

        var published = await PublishAsync(client, new JsonObject
        {
            ["type"] = "inspection.started",
            ["resource"] = new JsonObject { ["type"] = "inspection", ["id"] = "audit_7e9ee886" },
            ["triggered_by"] = new JsonObject { ["type"] = "user", ["id"] = "user_bb5b6ba0", ["name"] = "John Smith" },
            ["occurred_at"] = "2017-06-29T05:15:19.136Z",
            ["data"] = new JsonObject { ["audit_id"] = "audit_7e9ee886", ["score"] = 0 },
        });
        Assert.Equal(1, published["deliveries"]!.GetValue<int>());

        var request = (await Receiver.WaitForAsync("/signed", 1, Wait))[0];
        Assert.True(IndependentVerifier.Verify(secret, request.Headers, request.Body, DateTimeOffset.UtcNow, out var reason), reason);

        var delivery = await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "succeeded");
        var envelope = request.Json();
        Assert.Equal("1.0.0", envelope["version"]!.GetValue<string>());
        Assert.Equal("inspection.started", envelope["type"]!.GetValue<string>());
        Assert.Equal("2017-06-29T05:15:19.136Z", envelope["timestamp"]!.GetValue<string>());
        Assert.Equal(published["id"]!.GetValue<string>(), envelope["event_id"]!.GetValue<string>());
        Assert.Equal(endpoint["id"]!.GetValue<string>(), envelope["endpoint_id"]!.GetValue<string>());
        Assert.Equal(delivery["id"]!.GetValue<string>(), envelope["delivery_id"]!.GetValue<string>());
        Assert.Equal("John Smith", envelope.At("triggered_by.name")!.GetValue<string>());
        Assert.Equal("audit_7e9ee886", envelope.At("resource.id")!.GetValue<string>());
        Assert.Equal(0, envelope.At("data.score")!.GetValue<int>());

        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Equal("application/json", request.Header("Accept"));
        Assert.StartsWith("Herald/", request.Header("User-Agent"));
        Assert.Equal(delivery["id"]!.GetValue<string>(), request.Header("webhook-id"));
        Assert.Equal("POST", request.Method);

        var attempt = delivery["attempts"]![0]!;
        Assert.Equal(200, attempt.At("response.status")!.GetValue<int>());
        Assert.Null(attempt["error"]);
        Assert.Equal(request.Header("webhook-signature"), attempt.At("request.headers.webhook-signature")!.GetValue<string>());
    }

    [Fact]
    public async Task Signature_FailsVerification_ForTamperedBodyOrWrongSecret()
    {
        var client = await NewOrgAsync();
        var endpoint = await CreateEndpointAsync(client, new JsonObject(), "/tamper");
        var secret = endpoint.At("signature.secret")!.GetValue<string>();
        Assert.Matches("^whsec_[A-Za-z0-9+/]+=*$", secret);
        await PublishAsync(client, new JsonObject { ["type"] = "a.b", ["data"] = new JsonObject { ["x"] = 1 } });

        var request = (await Receiver.WaitForAsync("/tamper", 1, Wait))[0];
        Assert.True(IndependentVerifier.Verify(secret, request.Headers, request.Body, DateTimeOffset.UtcNow, out var reason), reason);
        var tampered = request.Body.ToArray();
        tampered[^2] ^= 1;
        Assert.False(IndependentVerifier.Verify(secret, request.Headers, tampered, DateTimeOffset.UtcNow, out _));
        Assert.False(IndependentVerifier.Verify("whsec_" + Convert.ToBase64String(new byte[32]), request.Headers, request.Body, DateTimeOffset.UtcNow, out _));
        Assert.False(IndependentVerifier.Verify(secret, request.Headers, request.Body, DateTimeOffset.UtcNow.AddMinutes(10), out _));
    }

    [Fact]
    public async Task FailedAttempt_IsRetriedWithTheSameWebhookId_ThenSucceeds()
    {
        var client = await NewOrgAsync();
        await CreateEndpointAsync(client, new JsonObject { ["retry"] = Retry("100ms", "100ms") }, "/flaky");
        Receiver.Responder = (r, i) => r.Path == "/flaky" && Receiver.Requests.Count(x => x.Path == "/flaky") == 1
            ? ResponsePlan.Status(500, "oops")
            : ResponsePlan.Ok;
        var published = await PublishAsync(client, new JsonObject { ["type"] = "a.b", ["data"] = 1 });

        var requests = await Receiver.WaitForAsync("/flaky", 2, Wait);
        Assert.Equal(requests[0].Header("webhook-id"), requests[1].Header("webhook-id"));
        var delivery = await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "succeeded");
        Assert.Equal(2, delivery["attempt_count"]!.GetValue<int>());
        Assert.Equal(500, delivery.At("attempts[0].response.status")!.GetValue<int>());
        Assert.Equal("oops", delivery.At("attempts[0].response.body")!.GetValue<string>());
        Assert.Equal(200, delivery.At("attempts[1].response.status")!.GetValue<int>());
    }

    [Fact]
    public async Task ExhaustedRetries_EndFailed_AndRecoverDeliversAgain()
    {
        var client = await NewOrgAsync();
        var endpoint = await CreateEndpointAsync(client, new JsonObject { ["retry"] = Retry("50ms", "50ms") }, "/down");
        var healthy = false;
        Receiver.Responder = (r, i) => r.Path == "/down" && !Volatile.Read(ref healthy) ? ResponsePlan.Status(500) : ResponsePlan.Ok;
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var published = await PublishAsync(client, new JsonObject { ["type"] = "a.b", ["data"] = 1 });

        var failed = await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "failed");
        Assert.Equal(3, failed["attempt_count"]!.GetValue<int>());
        Assert.Null(failed["next_attempt_at"]);
        Assert.Equal(3, Receiver.Requests.Count(r => r.Path == "/down"));

        Volatile.Write(ref healthy, true);
        var recover = await (await client.PostJsonAsync($"/v1/endpoints/{endpoint["id"]}/recover", new JsonObject { ["since"] = Times.Format(before) }))
            .ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(1, recover["requeued"]!.GetValue<int>());
        await Receiver.WaitForAsync("/down", 4, Wait);
        var delivered = await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "succeeded");
        Assert.Equal(4, delivered["attempt_count"]!.GetValue<int>());

        var none = await (await client.PostJsonAsync($"/v1/endpoints/{endpoint["id"]}/recover", new JsonObject { ["since"] = Times.Format(before) }))
            .ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(0, none["requeued"]!.GetValue<int>());
    }

    [Fact]
    public async Task RetryAfter_LaterThanTheSchedule_DelaysTheNextAttempt()
    {
        var client = await NewOrgAsync();
        await CreateEndpointAsync(client, new JsonObject { ["retry"] = Retry("10ms") }, "/busy");
        Receiver.Responder = (r, i) => r.Path == "/busy" && Receiver.Requests.Count(x => x.Path == "/busy") == 1
            ? ResponsePlan.RetryAfter("2", 429)
            : ResponsePlan.Ok;
        var published = await PublishAsync(client, new JsonObject { ["type"] = "a.b", ["data"] = 1 });

        var first = (await Receiver.WaitForAsync("/busy", 1, Wait))[0];
        var pending = await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "pending");
        Assert.True(Times.TryParse(pending["next_attempt_at"]!.GetValue<string>(), out var next));
        Assert.InRange((next - first.ReceivedAt).TotalSeconds, 1.5, 2.5);

        var requests = await Receiver.WaitForAsync("/busy", 2, Wait);
        Assert.True(requests[1].ReceivedAt - requests[0].ReceivedAt >= TimeSpan.FromSeconds(1.8));
        await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "succeeded");
    }

    [Fact]
    public async Task Gone410_FailsTheDelivery_DisablesTheEndpoint_AndPublishesTheOperationalEvent()
    {
        var client = await NewOrgAsync();
        var watcher = await CreateEndpointAsync(client, new JsonObject { ["event_types"] = new JsonArray("herald.*") }, "/ops");
        var gone = await CreateEndpointAsync(client, new JsonObject { ["retry"] = Retry("10ms", "10ms") }, "/gone");
        Receiver.Responder = (r, i) => r.Path == "/gone" ? ResponsePlan.Status(410) : ResponsePlan.Ok;
        var published = await PublishAsync(client, new JsonObject { ["type"] = "a.b", ["data"] = 1 });
        Assert.Equal(1, published["deliveries"]!.GetValue<int>());

        var failed = await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "failed");
        Assert.Equal(1, failed["attempt_count"]!.GetValue<int>());
        var endpoint = await (await client.GetAsync($"/v1/endpoints/{gone["id"]}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.False(endpoint["enabled"]!.GetValue<bool>());
        Assert.Contains("410", endpoint["disabled_reason"]!.GetValue<string>());

        var notice = (await Receiver.WaitForAsync("/ops", 1, Wait))[0].Json();
        Assert.Equal("herald.endpoint.disabled", notice["type"]!.GetValue<string>());
        Assert.Equal(gone["id"]!.GetValue<string>(), notice.At("data.endpoint_id")!.GetValue<string>());
        Assert.Equal(gone["name"]!.GetValue<string>(), notice.At("data.name")!.GetValue<string>());
        Assert.Contains("410", notice.At("data.reason")!.GetValue<string>());
        Assert.NotEqual(watcher["id"]!.GetValue<string>(), gone["id"]!.GetValue<string>());

        // Published while disabled: not queued for it.
        var later = await PublishAsync(client, new JsonObject { ["type"] = "a.b", ["data"] = 2 });
        Assert.Equal(0, later["deliveries"]!.GetValue<int>());
        Assert.Single(Receiver.Requests, r => r.Path == "/gone");
    }

    [Fact]
    public async Task Redirect_IsNotFollowed_AndCountsAsAFailedAttempt()
    {
        var client = await NewOrgAsync();
        await CreateEndpointAsync(client, new JsonObject { ["retry"] = Retry() }, "/moved");
        Receiver.Responder = (r, i) => r.Path == "/moved" ? ResponsePlan.Redirect(Receiver.Url("/elsewhere")) : ResponsePlan.Ok;
        var published = await PublishAsync(client, new JsonObject { ["type"] = "a.b", ["data"] = 1 });

        var failed = await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "failed");
        Assert.Equal(302, failed.At("attempts[0].response.status")!.GetValue<int>());
        Assert.Contains("redirect", failed.At("attempts[0].error")!.GetValue<string>());
        Assert.DoesNotContain(Receiver.Requests, r => r.Path == "/elsewhere");
    }

    [Fact]
    public async Task Timeout_IsRecorded_AsAnAttemptWithoutResponse()
    {
        var client = await NewOrgAsync();
        await CreateEndpointAsync(client, new JsonObject { ["retry"] = Retry(), ["timeout"] = "500ms" }, "/slow");
        Receiver.Responder = (r, i) => r.Path == "/slow" ? ResponsePlan.Hanging() : ResponsePlan.Ok;
        var published = await PublishAsync(client, new JsonObject { ["type"] = "a.b", ["data"] = 1 });

        var failed = await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "failed");
        var attempt = failed["attempts"]![0]!;
        Assert.Null(attempt["response"]);
        Assert.Contains("timed out", attempt["error"]!.GetValue<string>());
        Assert.InRange(attempt["duration_ms"]!.GetValue<int>(), 400, 5000);
        Assert.Equal("POST", attempt.At("request.method")!.GetValue<string>());
    }

    [Fact]
    public async Task ConnectionRefused_IsRecorded_WithTheReason()
    {
        var client = await NewOrgAsync();
        var port = FreePort.Next();
        await CreateEndpointAsync(client, new JsonObject { ["retry"] = Retry(), ["url"] = $"http://127.0.0.1:{port}/nobody" });
        var published = await PublishAsync(client, new JsonObject { ["type"] = "a.b", ["data"] = 1 });

        var failed = await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "failed");
        Assert.Null(failed.At("attempts[0].response"));
        Assert.Contains("refused", failed.At("attempts[0].error")!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task DisabledEndpoint_KeepsPendingDeliveries_UntilEnabled()
    {
        var client = await NewOrgAsync();
        var endpoint = await CreateEndpointAsync(client, new JsonObject { ["retry"] = Retry("300ms") }, "/paused");
        var id = endpoint["id"]!.GetValue<string>();
        Receiver.Responder = (r, i) => r.Path == "/paused" && Receiver.Requests.Count(x => x.Path == "/paused") == 1 ? ResponsePlan.Status(500) : ResponsePlan.Ok;
        var published = await PublishAsync(client, new JsonObject { ["type"] = "a.b", ["data"] = 1 });
        await Receiver.WaitForAsync("/paused", 1, Wait);

        await (await client.PostAsync($"/v1/endpoints/{id}/disable", null)).ExpectStatusAsync(HttpStatusCode.OK);
        await Task.Delay(800);
        Assert.Single(Receiver.Requests, r => r.Path == "/paused");
        var waiting = await DeliveryOfEventAsync(client, published["id"]!.GetValue<string>());
        Assert.Equal("pending", waiting["status"]!.GetValue<string>());

        var enabled = await (await client.PostAsync($"/v1/endpoints/{id}/enable", null)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(enabled["enabled"]!.GetValue<bool>());
        Assert.Null(enabled["disabled_reason"]);
        await Receiver.WaitForAsync("/paused", 2, Wait);
        await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "succeeded");
    }

    [Fact]
    public async Task DeletingAnEndpoint_CancelsItsPendingDeliveries()
    {
        var client = await NewOrgAsync();
        var endpoint = await CreateEndpointAsync(client, new JsonObject { ["retry"] = Retry("1h") }, "/deleted");
        Receiver.Responder = (r, i) => r.Path == "/deleted" ? ResponsePlan.Status(500) : ResponsePlan.Ok;
        var published = await PublishAsync(client, new JsonObject { ["type"] = "a.b", ["data"] = 1 });
        await Receiver.WaitForAsync("/deleted", 1, Wait);
        await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "pending");

        await (await client.DeleteAsync($"/v1/endpoints/{endpoint["id"]}")).ExpectStatusAsync(HttpStatusCode.NoContent);
        var cancelled = await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "cancelled");
        var retry = await client.PostAsync($"/v1/deliveries/{cancelled["id"]}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
    }

    [Fact]
    public async Task ManualRetry_ResendsAFailedDelivery_AndAResendOfASucceededOneStaysSucceeded()
    {
        var client = await NewOrgAsync();
        await CreateEndpointAsync(client, new JsonObject { ["retry"] = Retry() }, "/manual");
        var fail = true;
        Receiver.Responder = (r, i) => r.Path == "/manual" && Volatile.Read(ref fail) ? ResponsePlan.Status(500) : ResponsePlan.Ok;
        var published = await PublishAsync(client, new JsonObject { ["type"] = "a.b", ["data"] = 1 });
        var failed = await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "failed");
        var id = failed["id"]!.GetValue<string>();

        // Still failing: the delivery stays failed, the attempt is logged.
        var again = await (await client.PostAsync($"/v1/deliveries/{id}/retry", null)).ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("failed", again["status"]!.GetValue<string>());
        Assert.Equal(2, again["attempt_count"]!.GetValue<int>());

        Volatile.Write(ref fail, false);
        var retried = await (await client.PostAsync($"/v1/deliveries/{id}/retry", null)).ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("succeeded", retried["status"]!.GetValue<string>());

        Volatile.Write(ref fail, true);
        var resent = await (await client.PostAsync($"/v1/deliveries/{id}/retry", null)).ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("succeeded", resent["status"]!.GetValue<string>());
        Assert.Equal(4, resent["attempt_count"]!.GetValue<int>());
        Assert.Equal(4, Receiver.Requests.Count(r => r.Path == "/manual"));
    }

    [Fact]
    public async Task ManualRetry_OfAPendingDelivery_DoesNotUseUpAScheduledAttempt()
    {
        var client = await NewOrgAsync();
        await CreateEndpointAsync(client, new JsonObject { ["retry"] = Retry("1h") }, "/pending");
        Receiver.Responder = (r, i) => r.Path == "/pending" ? ResponsePlan.Status(500) : ResponsePlan.Ok;
        var published = await PublishAsync(client, new JsonObject { ["type"] = "a.b", ["data"] = 1 });
        // Pending after its first failed attempt (not merely pending before the first attempt).
        await Receiver.WaitForAsync("/pending", 1, Wait);
        var pending = await WaitForStatusAsync(client, published["id"]!.GetValue<string>(), "pending");
        while (pending["attempt_count"]!.GetValue<int>() < 1)
        {
            await Task.Delay(20);
            pending = await DeliveryOfEventAsync(client, published["id"]!.GetValue<string>());
        }
        var due = pending["next_attempt_at"]!.GetValue<string>();

        var after = await (await client.PostAsync($"/v1/deliveries/{pending["id"]}/retry", null)).ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("pending", after["status"]!.GetValue<string>());
        Assert.Equal(due, after["next_attempt_at"]!.GetValue<string>());
        Assert.Equal(2, after["attempt_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task FanOut_CreatesOneDeliveryPerMatchingEndpoint()
    {
        var client = await NewOrgAsync();
        await CreateEndpointAsync(client, new JsonObject { ["event_types"] = new JsonArray("inspection.*") }, "/fan-a");
        await CreateEndpointAsync(client, new JsonObject { ["event_types"] = new JsonArray("inspection.started"), ["entity_types"] = new JsonArray("inspection") }, "/fan-b");
        await CreateEndpointAsync(client, new JsonObject { ["event_types"] = new JsonArray("action.*") }, "/fan-c");
        await CreateEndpointAsync(client, new JsonObject { ["entity_types"] = new JsonArray("incident") }, "/fan-d");

        var published = await PublishAsync(client, new JsonObject
        {
            ["type"] = "inspection.started",
            ["resource"] = new JsonObject { ["type"] = "inspection", ["id"] = "i1" },
            ["data"] = new JsonObject(),
        });
        Assert.Equal(2, published["deliveries"]!.GetValue<int>());
        await Receiver.WaitForAsync(2, Wait, r => r.Path is "/fan-a" or "/fan-b");
        Assert.DoesNotContain(Receiver.Requests, r => r.Path is "/fan-c" or "/fan-d");
    }
}

public sealed class RetentionTests
{
    [Fact]
    public async Task Retention_PurgesEndedEvents_ButKeepsOnesStillOwedToAReceiver()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync(o => o.Retention = TimeSpan.FromSeconds(1));
        var client = server.Client;
        var delivered = await (await client.PostJsonAsync("/v1/endpoints", new JsonObject { ["name"] = "ok", ["url"] = receiver.Url("/ok"), ["event_types"] = new JsonArray("ok.*") }))
            .ReadJsonAsync(HttpStatusCode.Created);
        var parked = await (await client.PostJsonAsync("/v1/endpoints", new JsonObject { ["name"] = "parked", ["url"] = receiver.Url("/parked"), ["event_types"] = new JsonArray("parked.*") }))
            .ReadJsonAsync(HttpStatusCode.Created);
        await (await client.PostAsync($"/v1/endpoints/{parked["id"]}/disable", null)).ExpectStatusAsync(HttpStatusCode.OK);
        // Owed: published before the disable would have queued it; here it is queued, then parked.
        await (await client.PostAsync($"/v1/endpoints/{parked["id"]}/enable", null)).ExpectStatusAsync(HttpStatusCode.OK);
        receiver.Responder = (r, i) => r.Path == "/parked" ? ResponsePlan.Status(500) : ResponsePlan.Ok;
        await (await client.PatchJsonAsync($"/v1/endpoints/{parked["id"]}", new JsonObject { ["retry"] = new JsonObject { ["schedule"] = new JsonArray("1h"), ["jitter"] = 0 } }))
            .ExpectStatusAsync(HttpStatusCode.OK);

        var done = await (await client.PostJsonAsync("/v1/events", new JsonObject { ["type"] = "ok.done", ["data"] = 1 })).ReadJsonAsync(HttpStatusCode.Accepted);
        var owed = await (await client.PostJsonAsync("/v1/events", new JsonObject { ["type"] = "parked.owed", ["data"] = 2 })).ReadJsonAsync(HttpStatusCode.Accepted);
        await receiver.WaitForAsync(2, TimeSpan.FromSeconds(10));
        Assert.Equal(delivered["id"]!.GetValue<string>(), (await (await client.GetAsync($"/v1/events/{done["id"]}/deliveries")).ReadJsonAsync(HttpStatusCode.OK)).At("data[0].endpoint_id")!.GetValue<string>());

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await client.GetAsync($"/v1/events/{done["id"]}")).StatusCode != HttpStatusCode.NotFound)
        {
            Assert.True(DateTime.UtcNow < deadline, "the delivered event was not purged");
            await Task.Delay(200);
        }
        await (await client.GetAsync($"/v1/events/{owed["id"]}")).ExpectStatusAsync(HttpStatusCode.OK);
    }
}

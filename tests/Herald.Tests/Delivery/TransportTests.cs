using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Herald.Core.Model;
using Herald.Engine.Delivery;
using Herald.Engine.Delivery.Transports;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Delivery;

/// <summary>
/// The transport seam (docs/adr/0007-delivery-transports.md): the endpoint URL's scheme picks the
/// registered transport that sends a prepared attempt, and what it reports is what the attempt log
/// shows. The HTTP behaviour itself is covered end to end by the other delivery tests.
/// </summary>
public sealed class TransportTests
{
    [Fact]
    public async Task Attempt_IsSentByTheTransportRegisteredLastForTheScheme_AndItsOutcomeIsLogged()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.DefaultResponse = ResponsePlan.Status(202, """{"queued":true}""").WithHeader("X-Receipt", "r-1");
        RecordingTransport? recording = null;
        await using var server = await HeraldTestServer.StartAsync(services: s => s.AddSingleton<IDeliveryTransport>(
            provider => recording = new RecordingTransport(new HttpTransport(provider.GetRequiredService<TargetGuard>()))));
        var endpoint = await (await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject { ["name"] = "recorded", ["url"] = receiver.Url("/recorded") }))
            .ReadJsonAsync(HttpStatusCode.Created);

        var published = await (await server.Client.PostJsonAsync("/v1/events", new JsonObject { ["type"] = "a.b", ["data"] = 1 }))
            .ReadJsonAsync(HttpStatusCode.Accepted);

        var received = (await receiver.WaitForAsync("/recorded", 1, TimeSpan.FromSeconds(15)))[0];
        var delivery = await WaitForSucceededAsync(server.Client, published["id"]!.GetValue<string>());
        var sent = Assert.Single(recording!.Attempts);
        Assert.Equal(receiver.Url("/recorded"), sent.Url);
        Assert.Equal(received.Header("webhook-id"), sent.Headers.Single(h => h.Key == "webhook-id").Value);
        Assert.Equal(received.Body, sent.Body);
        Assert.Equal(delivery["id"]!.GetValue<string>(), received.Header("webhook-id"));
        Assert.Equal(endpoint["id"]!.GetValue<string>(), delivery["endpoint_id"]!.GetValue<string>());
        Assert.Equal(202, delivery.At("attempts[0].response.status")!.GetValue<int>());
        Assert.Equal("r-1", delivery.At("attempts[0].response.headers.X-Receipt")!.GetValue<string>());
        Assert.Equal("""{"queued":true}""", delivery.At("attempts[0].response.body")!.GetValue<string>());
    }

    [Theory]
    [InlineData("https://example.org/hook")]
    [InlineData("HTTP://example.org/hook")]
    [InlineData("Https://example.org/hook")]
    public void For_PicksTheTransportByScheme_CaseInsensitively(string url)
    {
        var web = new ScriptedTransport(["http", "https"]);
        var mail = new ScriptedTransport(["mailto"]);

        Assert.Same(web, new DeliveryTransports([web, mail]).For(url));
        Assert.Same(mail, new DeliveryTransports([web, mail]).For("MAILTO:ops@example.org"));
    }

    [Fact]
    public void For_GivesASchemeToTheTransportRegisteredLast()
    {
        var first = new ScriptedTransport(["http", "https"]);
        var second = new ScriptedTransport(["https"]);

        var transports = new DeliveryTransports([first, second]);

        Assert.Same(second, transports.For("https://example.org/"));
        Assert.Same(first, transports.For("http://example.org/"));
    }

    [Theory]
    [InlineData("amqp://broker.example/vhost", "no transport delivers to \"amqp:\" URLs")]
    [InlineData("example.org/hook", "the endpoint URL has no scheme, so no transport can deliver to it")]
    [InlineData(":hook", "the endpoint URL has no scheme, so no transport can deliver to it")]
    public async Task SendAsync_WithoutATransportForTheScheme_FailsUnsent_AndSaysWhy(string url, string error)
    {
        var web = new ScriptedTransport(["http", "https"]);
        var transports = new DeliveryTransports([web]);
        var endpoint = new Endpoint("ep_1", "org_1", new EndpointSpec { Name = "e", Url = url }, SigningSecrets.Empty, null, false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        var outcome = await transports.SendAsync(endpoint, new PreparedAttempt("POST", url, [], [], TimeSpan.FromSeconds(1)), CancellationToken.None);

        Assert.Null(transports.For(url));
        Assert.Null(outcome.Status);
        Assert.Equal(error, outcome.Error);
        Assert.Empty(web.Attempts);
    }

    [Fact]
    public async Task SendAsync_HandsTheAttemptToTheEndpointsTransport_AndReturnsItsOutcome()
    {
        var web = new ScriptedTransport(["https"]);
        var transports = new DeliveryTransports([web]);
        var endpoint = new Endpoint("ep_1", "org_1", new EndpointSpec { Name = "e", Url = "https://example.org/" }, SigningSecrets.Empty, null, false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        var attempt = new PreparedAttempt("POST", "https://example.org/", [new("webhook-id", "dlv_1")], [1, 2], TimeSpan.FromSeconds(1));

        var outcome = await transports.SendAsync(endpoint, attempt, CancellationToken.None);

        Assert.Same(attempt, Assert.Single(web.Attempts));
        Assert.Same(ScriptedTransport.Outcome, outcome);
    }

    private static async Task<JsonNode> WaitForSucceededAsync(HttpClient client, string eventId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var list = await (await client.GetAsync($"/v1/events/{eventId}/deliveries")).ReadJsonAsync(HttpStatusCode.OK);
            if (list["data"]!.AsArray().Count == 1)
            {
                var id = list["data"]![0]!["id"]!.GetValue<string>();
                var delivery = await (await client.GetAsync($"/v1/deliveries/{id}")).ReadJsonAsync(HttpStatusCode.OK);
                if (delivery["status"]!.GetValue<string>() == "succeeded")
                {
                    return delivery;
                }
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"The delivery of {eventId} did not succeed: {list.ToJsonString()}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Sends with the real HTTP transport and keeps every attempt it was given.</summary>
    private sealed class RecordingTransport(HttpTransport inner) : IDeliveryTransport, IDisposable
    {
        private readonly ConcurrentQueue<PreparedAttempt> _attempts = new();

        public IReadOnlyList<string> Schemes => inner.Schemes;

        public IReadOnlyList<PreparedAttempt> Attempts => [.. _attempts];

        public Task<SendOutcome> SendAsync(PreparedAttempt attempt, CancellationToken cancellationToken)
        {
            _attempts.Enqueue(attempt);
            return inner.SendAsync(attempt, cancellationToken);
        }

        public void Dispose() => inner.Dispose();
    }

    /// <summary>Answers every attempt with one fixed outcome, for the choice of transport alone.</summary>
    private sealed class ScriptedTransport(IReadOnlyList<string> schemes) : IDeliveryTransport
    {
        public static readonly SendOutcome Outcome = new(204, new Dictionary<string, string>(), "", null, TimeSpan.FromMilliseconds(3), null);

        public List<PreparedAttempt> Attempts { get; } = [];

        public IReadOnlyList<string> Schemes => schemes;

        public Task<SendOutcome> SendAsync(PreparedAttempt attempt, CancellationToken cancellationToken)
        {
            Attempts.Add(attempt);
            return Task.FromResult(Outcome);
        }
    }
}

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Cli;

namespace Herald.Tests.Cli;

/// <summary><c>herald listen</c> receiving real Herald deliveries.</summary>
public sealed class ListenCommandTests : ServerWithReceiver
{
    /// <summary>A running <c>herald listen</c> in this process, stopped like Ctrl-C stops it.</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<int> _run;

        private Listener(Task<int> run, Uri address, OutputWriter output)
        {
            _run = run;
            Address = address;
            Output = output;
        }

        public Uri Address { get; }

        public OutputWriter Output { get; }

        public static async Task<Listener> StartAsync(ListenSettings settings)
        {
            var output = new OutputWriter();
            var started = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            var stop = new CancellationTokenSource();
            var run = ListenCommand.RunAsync(settings with { Port = 0 }, new CliContext(output, output, _ => null), stop.Token, started.SetResult);
            var first = await Task.WhenAny(started.Task, run, Task.Delay(TimeSpan.FromSeconds(10)));
            if (first != started.Task)
            {
                await stop.CancelAsync();
                throw new InvalidOperationException($"herald listen did not start:\n{output}", run.Exception);
            }
            var listener = new Listener(run, await started.Task, output);
            listener._stop.Token.Register(stop.Cancel);
            return listener;
        }

        public async Task<int> StopAsync()
        {
            await _stop.CancelAsync();
            return await _run.WaitAsync(TimeSpan.FromSeconds(10));
        }

        public async ValueTask DisposeAsync()
        {
            if (!_run.IsCompleted)
            {
                await StopAsync();
            }
            _stop.Dispose();
        }
    }

    /// <summary>What the command printed; read while it is still writing.</summary>
    private sealed class OutputWriter : TextWriter
    {
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override Task WriteAsync(string? value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override string ToString()
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }

        public async Task<string> WaitForAsync(string expected)
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (!ToString().Contains(expected, StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, $"'{expected}' was never printed:\n{this}");
                await Task.Delay(20);
            }
            return ToString();
        }
    }

    private async Task<(JsonNode Endpoint, string Secret)> AddEndpointAsync(string url, string scheme = "standard")
    {
        var endpoint = await (await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "listen", ["url"] = url, ["signature"] = new JsonObject { ["scheme"] = scheme },
        })).ReadJsonAsync(HttpStatusCode.Created);
        return (endpoint, endpoint.At("signature.secret")!.GetValue<string>());
    }

    /// <summary>The secret is generated when the endpoint is created, so listen starts first on a port the endpoint is then updated to.</summary>
    private async Task<(Listener Listener, JsonNode Endpoint)> ListenForAsync(Func<string, ListenSettings> settings, string scheme = "standard")
    {
        var (endpoint, secret) = await AddEndpointAsync(Receiver.Url("/placeholder"), scheme);
        var listener = await Listener.StartAsync(settings(secret));
        await (await Server.Client.PatchJsonAsync($"/v1/endpoints/{endpoint["id"]}", new JsonObject { ["url"] = new Uri(listener.Address, "/hook?source=herald").ToString() }))
            .ExpectStatusAsync(HttpStatusCode.OK);
        return (listener, endpoint);
    }

    [Fact]
    public async Task Listen_PrintsAHeraldDelivery_AndSaysItsSignatureVerified()
    {
        var (listener, endpoint) = await ListenForAsync(secret => new ListenSettings(Secret: secret));
        await using var _ = listener;

        var attempt = await (await Server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/test", null)).ReadJsonAsync(HttpStatusCode.OK);
        var printed = await listener.Output.WaitForAsync("signature: verified (standard)");

        Assert.Contains("Listening on http://127.0.0.1:", printed, StringComparison.Ordinal);
        Assert.Contains("#1 POST /hook?source=herald", printed, StringComparison.Ordinal);
        Assert.Contains("webhook-id: ", printed, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("webhook-signature: v1,", printed, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("herald.ping", printed, StringComparison.Ordinal);
        Assert.Contains("\n  \"", printed, StringComparison.Ordinal); // the JSON body is indented
        Assert.DoesNotContain("INVALID", printed, StringComparison.Ordinal);
        Assert.Equal(0, await listener.StopAsync());
        Assert.NotNull(attempt);
    }

    [Fact]
    public async Task Listen_SaysTheSignatureIsInvalid_WithAnotherSecret()
    {
        var (listener, endpoint) = await ListenForAsync(_ => new ListenSettings(Secret: "whsec_" + Convert.ToBase64String(new byte[24])));
        await using var _ = listener;

        await (await Server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/test", null)).ExpectStatusAsync(HttpStatusCode.OK);

        await listener.Output.WaitForAsync("signature: INVALID: no signature matches");
    }

    [Fact]
    public async Task Listen_VerifiesUshahidiSignatures_OfTheUrlRequestsArriveAt()
    {
        var (listener, endpoint) = await ListenForAsync(secret => new ListenSettings(Secret: secret, Scheme: "ushahidi"), "ushahidi");
        await using var _ = listener;

        await (await Server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/test", null)).ExpectStatusAsync(HttpStatusCode.OK);

        await listener.Output.WaitForAsync("signature: verified (ushahidi)");
    }

    [Fact]
    public async Task Listen_ForwardsTheSameBodyAndHeaders_AndPrintsTheForwardsStatus()
    {
        var (listener, endpoint) = await ListenForAsync(secret => new ListenSettings(Secret: secret, Forward: new Uri(Receiver.Url("/forwarded"))));
        await using var _ = listener;

        await (await Server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/test", null)).ExpectStatusAsync(HttpStatusCode.OK);
        var printed = await listener.Output.WaitForAsync("forward: 200");
        var forwarded = (await Receiver.WaitForAsync("/forwarded", 1, TimeSpan.FromSeconds(10)))[0];

        Assert.Contains("signature: verified", printed, StringComparison.Ordinal);
        Assert.Equal("POST", forwarded.Method);
        Assert.Contains("herald.ping", forwarded.BodyText, StringComparison.Ordinal);
        Assert.Contains("webhook-id: " + forwarded.Header("webhook-id"), printed, StringComparison.OrdinalIgnoreCase);
        // The forward is still verifiable: same id, timestamp, signature and body bytes.
        var verify = new Herald.Webhooks.StandardWebhooksVerifier(endpoint.At("signature.secret")!.GetValue<string>());
        Assert.True(verify.Verify(forwarded.Headers, forwarded.Body).IsValid);
        Assert.Equal("application/json", forwarded.Header("Content-Type")?.Split(';')[0]);
    }

    [Fact]
    public async Task Listen_PrintsABodyWithAnUnpairedSurrogateAsReceived_AndKeepsListening()
    {
        await using var listener = await Listener.StartAsync(new ListenSettings(Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        using var client = new HttpClient { BaseAddress = listener.Address };

        using var odd = await client.PostAsync("/odd", new StringContent("""{"s":"\ud800"}""", Encoding.UTF8, "application/json"));
        using var next = await client.PostAsync("/next", new StringContent("""{"n":1}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, odd.StatusCode);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        var printed = await listener.Output.WaitForAsync("POST /next");
        Assert.Contains("""{"s":"\ud800"}""", printed, StringComparison.Ordinal);
        Assert.Equal(0, await listener.StopAsync());
    }

    [Fact]
    public async Task Listen_AnswersEveryRequest200_EvenUnsigned()
    {
        await using var listener = await Listener.StartAsync(new ListenSettings(Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        using var client = new HttpClient { BaseAddress = listener.Address };

        using var response = await client.PostAsync("/anything", new StringContent("not json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":200}""", await response.Content.ReadAsStringAsync());
        var printed = await listener.Output.WaitForAsync("signature: INVALID: missing webhook-id header");
        Assert.Contains("not json", printed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("listen", "--scheme", "hmac", "--secret", "s")]
    [InlineData("listen", "--secret", "whsec_not base64!")]
    [InlineData("listen", "--forward", "not a url")]
    [InlineData("listen", "--port", "many")]
    public async Task Listen_Exits2_OnBadUsage(params string[] args)
    {
        var run = await CliRunner.RunAsync(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith("herald: ", run.Err, StringComparison.Ordinal);
    }
}

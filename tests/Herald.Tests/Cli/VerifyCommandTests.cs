using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Tests.Cli;

/// <summary><c>herald verify</c> on real Herald deliveries (docs/signatures.md).</summary>
public sealed class VerifyCommandTests : ServerWithReceiver, IDisposable
{
    private readonly TempDir _dir = TempDir.Create("herald-verify");

    public void Dispose() => _dir.Dispose();

    private async Task<(ReceivedRequest Request, string Secret, string Url, string BodyFile)> DeliverAsync(string scheme, string path)
    {
        var url = Receiver.Url(path);
        var endpoint = await (await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = path, ["url"] = url, ["signature"] = new JsonObject { ["scheme"] = scheme },
        })).ReadJsonAsync(HttpStatusCode.Created);
        await (await Server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/test", null)).ExpectStatusAsync(HttpStatusCode.OK);
        var request = (await Receiver.WaitForAsync(path, 1, TimeSpan.FromSeconds(10)))[0];
        var bodyFile = _dir.Combine(path.Trim('/') + ".json");
        await File.WriteAllBytesAsync(bodyFile, request.Body);
        return (request, endpoint.At("signature.secret")!.GetValue<string>(), url, bodyFile);
    }

    [Fact]
    public async Task Verify_PrintsValid_ForAHeraldDelivery_GivenTheThreeHeaderValues()
    {
        var (request, secret, _, bodyFile) = await DeliverAsync("standard", "/std-values");

        var run = await CliRunner.RunAsync("verify", "--secret", secret,
            "--id", request.Header("webhook-id")!, "--timestamp", request.Header("webhook-timestamp")!,
            "--signature", request.Header("webhook-signature")!, "--body-file", bodyFile);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("valid", run.Out.Trim());
    }

    [Fact]
    public async Task Verify_PrintsValid_GivenTheHeadersAsReceived()
    {
        var (request, secret, _, bodyFile) = await DeliverAsync("standard", "/std-headers");

        var run = await CliRunner.RunAsync("verify", "--secret", secret,
            "--header", "Webhook-Id: " + request.Header("webhook-id"),
            "--header", "webhook-timestamp: " + request.Header("webhook-timestamp"),
            "-H", "webhook-signature: " + request.Header("webhook-signature"),
            "--body-file", bodyFile);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("valid", run.Out.Trim());
    }

    [Fact]
    public async Task Verify_PrintsInvalidWithTheReason_AndExits1_ForATamperedBody()
    {
        var (request, secret, _, bodyFile) = await DeliverAsync("standard", "/std-tampered");
        await File.WriteAllTextAsync(bodyFile, request.BodyText.Replace("herald.ping", "herald.pong", StringComparison.Ordinal));

        var run = await CliRunner.RunAsync("verify", "--secret", secret,
            "--id", request.Header("webhook-id")!, "--timestamp", request.Header("webhook-timestamp")!,
            "--signature", request.Header("webhook-signature")!, "--body-file", bodyFile);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("invalid: no signature matches", run.Out.Trim());
    }

    [Fact]
    public async Task Verify_PrintsInvalid_ForAStaleTimestamp()
    {
        var (request, secret, _, bodyFile) = await DeliverAsync("standard", "/std-stale");
        var stale = (long.Parse(request.Header("webhook-timestamp")!, System.Globalization.CultureInfo.InvariantCulture) - 3600).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var run = await CliRunner.RunAsync("verify", "--secret", secret,
            "--id", request.Header("webhook-id")!, "--timestamp", stale,
            "--signature", request.Header("webhook-signature")!, "--body-file", bodyFile);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.StartsWith("invalid: timestamp too old", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_Ushahidi_IsValidForTheConfiguredUrl_AndInvalidForAnother()
    {
        var (request, secret, url, bodyFile) = await DeliverAsync("ushahidi", "/ush");
        var signature = request.Header("X-Ushahidi-Signature")!;

        var valid = await CliRunner.RunAsync("verify", "--scheme", "ushahidi", "--secret", secret, "--url", url, "--signature", signature, "--body-file", bodyFile);
        var invalid = await CliRunner.RunAsync("verify", "--scheme", "ushahidi", "--secret", secret, "--url", url + "?x", "-H", "X-Ushahidi-Signature: " + signature, "--body-file", bodyFile);

        Assert.True(valid.ExitCode == 0, valid.ToString());
        Assert.Equal("valid", valid.Out.Trim());
        Assert.True(invalid.ExitCode == 1, invalid.ToString());
        Assert.StartsWith("invalid: ", invalid.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("verify", "--id", "x", "--timestamp", "1", "--signature", "v1,x", "--body-file", "body.json")]
    [InlineData("verify", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--id", "x")]
    [InlineData("verify", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--body-file", "/nonexistent/body.json")]
    [InlineData("verify", "--secret", "s", "--scheme", "ushahidi", "--signature", "x", "--body-file", "body.json")]
    [InlineData("verify", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--scheme", "hmac", "--body-file", "body.json")]
    [InlineData("verify", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "-H", "no colon", "--body-file", "body.json")]
    [InlineData("verify", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--body-file", "body.json", "--bogus")]
    public async Task Verify_Exits2_OnBadUsage(params string[] args)
    {
        await File.WriteAllTextAsync(_dir.Combine("body.json"), "{}");
        var resolved = args.Select(a => a == "body.json" ? _dir.Combine("body.json") : a).ToArray();

        var run = await CliRunner.RunAsync(resolved);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith("herald: ", run.Err, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }
}

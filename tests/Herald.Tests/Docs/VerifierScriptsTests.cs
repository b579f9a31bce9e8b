using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Tests.Docs;

/// <summary>The receiver-side verifiers shipped in docs/verify run against real Herald deliveries.</summary>
public sealed class VerifierScriptsTests : IAsyncLifetime
{
    private HeraldTestServer _server = null!;
    private TestReceiver _receiver = null!;
    private readonly TempDir _dir = TempDir.Create("herald-verify");

    public async Task InitializeAsync()
    {
        _server = await HeraldTestServer.StartAsync();
        _receiver = await TestReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private static string Script(string name) =>
        Path.Combine(HeraldProcess.FindRepositoryRoot(AppContext.BaseDirectory), "docs", "verify", name);

    private static async Task<int> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    private async Task<(ReceivedRequest Request, string Secret, string Url)> DeliverAsync(JsonObject signature, string path)
    {
        var url = _receiver.Url(path);
        var endpoint = await (await _server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = path, ["url"] = url, ["signature"] = signature,
        })).ReadJsonAsync(HttpStatusCode.Created);
        await (await _server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/test", null)).ExpectStatusAsync(HttpStatusCode.OK);
        var request = (await _receiver.WaitForAsync(path, 1, TimeSpan.FromSeconds(10)))[0];
        return (request, endpoint.At("signature.secret")!.GetValue<string>(), url);
    }

    [Theory]
    [InlineData("python3", "standard.py")]
    [InlineData("node", "standard.mjs")]
    public async Task StandardVerifier_AcceptsHeraldsSignature_AndRejectsATamperedBody(string program, string script)
    {
        var (request, secret, _) = await DeliverAsync(new JsonObject { ["scheme"] = "standard" }, "/std-" + program);
        var body = _dir.Combine(program + "-std.json");
        await File.WriteAllBytesAsync(body, request.Body);
        string[] args = [Script(script), secret, request.Header("webhook-id")!, request.Header("webhook-timestamp")!, request.Header("webhook-signature")!, body];
        Assert.Equal(0, await RunAsync(program, args));

        await File.WriteAllTextAsync(body, request.BodyText.Replace("herald.ping", "herald.pong"));
        Assert.Equal(1, await RunAsync(program, args));
    }

    [Theory]
    [InlineData("python3", "ushahidi.py")]
    [InlineData("node", "ushahidi.mjs")]
    public async Task UshahidiVerifier_AcceptsHeraldsSignature_AndRejectsAnotherUrl(string program, string script)
    {
        var (request, secret, url) = await DeliverAsync(new JsonObject { ["scheme"] = "ushahidi" }, "/ush-" + program);
        var body = _dir.Combine(program + "-ush.json");
        await File.WriteAllBytesAsync(body, request.Body);
        Assert.Equal(0, await RunAsync(program, Script(script), secret, url, request.Header("X-Ushahidi-Signature")!, body));
        Assert.Equal(1, await RunAsync(program, Script(script), secret, url + "?x", request.Header("X-Ushahidi-Signature")!, body));
    }
}

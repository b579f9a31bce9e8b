using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Tests.Security;

/// <summary>
/// The SSRF guard (docs/security.md) against the other spellings of a refused address: numeric IPv4
/// forms that resolvers accept (decimal, hex, octal, shortened), IPv6 forms embedding an IPv4
/// address, and the name <c>localhost</c>. Uses the real resolver, as production does.
/// </summary>
public sealed class SsrfAddressFormsTests : IAsyncLifetime
{
    private HeraldTestServer _server = null!;

    public async Task InitializeAsync() => _server = await HeraldTestServer.StartAsync(o => o.AllowPrivateTargets = false);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("http://2130706433/hook")] // 127.0.0.1 as one decimal number
    [InlineData("http://0x7f000001/hook")] // … as one hex number
    [InlineData("http://0177.0.0.1/hook")] // … with an octal first part
    [InlineData("http://127.1/hook")] // … shortened
    [InlineData("http://0/hook")] // 0.0.0.0, which reaches the local host
    [InlineData("http://2852039166/latest/meta-data")] // 169.254.169.254 as one decimal number
    [InlineData("http://[::ffff:7f00:1]/hook")] // IPv4-mapped loopback in hex
    [InlineData("http://[::127.0.0.1]/hook")] // IPv4-compatible
    [InlineData("http://[64:ff9b::a9fe:a9fe]/latest")] // NAT64 of the metadata address
    [InlineData("http://[2002:a9fe:a9fe::1]/latest")] // 6to4 of the metadata address
    [InlineData("http://[::ffff:0:a9fe:a9fe]/latest")] // SIIT (IPv4-translated) of the metadata address
    [InlineData("http://[64:ff9b:1::a9fe:a9fe]/latest")] // local-use NAT64
    [InlineData("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook")] // Teredo
    [InlineData("http://[100::1]/hook")] // discard-only
    [InlineData("http://[fec0::1]/hook")] // site-local
    [InlineData("http://[2001:db8::1]/hook")] // documentation
    [InlineData("http://192.0.0.170/hook")] // IETF protocol assignments
    [InlineData("http://198.18.0.1/hook")] // benchmarking
    [InlineData("http://192.88.99.1/hook")] // 6to4 relay anycast
    [InlineData("http://[fc00::1]/hook")]
    [InlineData("http://[ff02::1]/hook")]
    [InlineData("http://[::]/hook")]
    [InlineData("http://255.255.255.255/hook")]
    [InlineData("http://240.0.0.1/hook")]
    [InlineData("http://localhost/hook")]
    public async Task Create_Returns422AtUrl_ForAnotherSpellingOfARefusedAddress(string url)
    {
        using var response = await _server.Client.PostJsonAsync("/v1/endpoints", new JsonObject { ["name"] = "ssrf-" + Guid.NewGuid(), ["url"] = url });

        var problem = await response.ReadJsonAsync((HttpStatusCode)422);
        Assert.Contains("SSRF", problem.At("errors.url[0]")!.GetValue<string>());
    }

    [Fact]
    public async Task Send_NeverReachesLoopback_ThroughAHostTheSaveCheckCouldNotResolve()
    {
        // "localhost." (fully qualified) may not resolve when saved, so it is accepted then;
        // whatever the resolver answers when Herald sends, no request may reach a loopback receiver.
        await using var receiver = await TestReceiver.StartAsync();
        var url = $"http://LOCALHOST.:{receiver.BaseUrl.Port}/hook";
        using var created = await _server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "ssrf-" + Guid.NewGuid(),
            ["url"] = url,
            ["retry"] = new JsonObject { ["schedule"] = new JsonArray(), ["jitter"] = 0 },
        });
        if (created.StatusCode == (HttpStatusCode)422)
        {
            return; // Refused when saved: the resolver knew it as loopback.
        }
        var endpoint = await created.ReadJsonAsync(HttpStatusCode.Created);

        var attempt = await (await _server.Client.PostAsync($"/v1/endpoints/{endpoint.Str("id")}/test", null)).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Null(attempt["response"]);
        Assert.False(string.IsNullOrEmpty(attempt["error"]?.GetValue<string>()));
        Assert.Empty(receiver.Requests);
    }
}

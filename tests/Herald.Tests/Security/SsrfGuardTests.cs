using System.Net;
using System.Text.Json.Nodes;
using Herald.Engine.Delivery;

namespace Herald.Tests.Security;

/// <summary>The SSRF guard without --allow-private-targets: refused at save time and at connect time.</summary>
public sealed class SsrfGuardTests : ServerWithReceiver
{
    private readonly ScriptedResolver _resolver = new();

    protected override Task<HeraldTestServer> StartServerAsync() =>
        HeraldTestServer.StartAsync(o => o.AllowPrivateTargets = false, resolver: _resolver);

    [Theory]
    [InlineData("http://127.0.0.1:9000/hook", "loopback")]
    [InlineData("http://[::1]/hook", "loopback")]
    [InlineData("http://10.1.2.3/hook", "private")]
    [InlineData("http://192.168.0.10/hook", "private")]
    [InlineData("http://172.16.5.4/hook", "private")]
    [InlineData("http://100.64.0.1/hook", "")]
    [InlineData("http://169.254.169.254/latest/meta-data", "metadata")]
    [InlineData("http://0.0.0.0/hook", "")]
    [InlineData("http://[::ffff:10.0.0.1]/hook", "private")]
    [InlineData("http://[fd00:ec2::254]/hook", "")]
    [InlineData("http://[fe80::1]/hook", "")]
    [InlineData("http://224.0.0.1/hook", "")]
    public async Task Create_Returns422_ForARefusedAddress(string url, string reasonFragment)
    {
        var response = await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject { ["name"] = "ssrf-" + Guid.NewGuid(), ["url"] = url });
        var problem = await response.ReadJsonAsync((HttpStatusCode)422);
        var message = problem.At("errors.url[0]")!.GetValue<string>();
        Assert.Contains("SSRF", message);
        Assert.Contains(reasonFragment, message);
    }

    [Fact]
    public async Task Create_Returns422_ForAHostThatResolvesToAPrivateAddress()
    {
        _resolver.Set("intranet.example", IPAddress.Parse("10.0.0.7"));
        var response = await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject { ["name"] = "intranet", ["url"] = "http://intranet.example/hook" });
        var problem = await response.ReadJsonAsync((HttpStatusCode)422);
        Assert.Contains("resolves to", problem.At("errors.url[0]")!.GetValue<string>());
    }

    [Fact]
    public async Task Create_AcceptsAHostThatDoesNotResolveYet()
    {
        var response = await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject { ["name"] = "later", ["url"] = "https://not-yet.example/hook" });
        await response.ExpectStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Send_RefusesAHostThatRebindsToLoopback_AndLogsWhy()
    {
        // Public when the endpoint is saved, loopback when Herald connects: DNS rebinding.
        var host = "rebind-" + Guid.NewGuid().ToString("N")[..8] + ".example";
        _resolver.Set(host, IPAddress.Parse("93.184.216.34"));
        var url = $"http://{host}:{Receiver.BaseUrl.Port}/rebound";
        var endpoint = await (await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = host,
            ["url"] = url,
            ["retry"] = new JsonObject { ["schedule"] = new JsonArray(), ["jitter"] = 0 },
        })).ReadJsonAsync(HttpStatusCode.Created);
        _resolver.Set(host, IPAddress.Loopback);

        var attempt = await (await Server.Client.PostAsync($"/v1/endpoints/{endpoint["id"]}/test", null)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Null(attempt["response"]);
        Assert.Contains("SSRF", attempt["error"]!.GetValue<string>());
        Assert.Contains("loopback", attempt["error"]!.GetValue<string>());
        Assert.Equal(url, attempt.At("request.url")!.GetValue<string>());
        Assert.Empty(Receiver.Requests);
    }

    private sealed class ScriptedResolver : IHostResolver
    {
        private readonly Dictionary<string, IPAddress[]> _answers = new(StringComparer.OrdinalIgnoreCase);

        public void Set(string host, params IPAddress[] addresses)
        {
            lock (_answers)
            {
                _answers[host] = addresses;
            }
        }

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            lock (_answers)
            {
                return _answers.TryGetValue(host, out var addresses)
                    ? Task.FromResult(addresses)
                    : Task.FromException<IPAddress[]>(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound));
            }
        }
    }
}

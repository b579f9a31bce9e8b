using System.Net;
using System.Net.Http.Headers;
using Herald.Engine.Configuration;
using Herald.Engine.Delivery;
using Herald.Hosting;
using Herald.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Tests.Infrastructure;

/// <summary>
/// Herald hosted in the test process on real Kestrel (127.0.0.1, a free port) with a real SQLite
/// file in a temporary data dir. Faster than a child process, and the clock and the name resolver
/// can be replaced. Crash tests use <see cref="HeraldProcess"/> instead.
/// </summary>
public sealed class HeraldTestServer : IAsyncDisposable
{
    public const string AdminKey = "hk_test_operator_key_0123456789abcdef";

    private readonly WebApplication _app;
    private readonly TempDir? _ownedDir;

    private HeraldTestServer(WebApplication app, Uri baseUrl, HeraldOptions options, TempDir? ownedDir)
    {
        _app = app;
        _ownedDir = ownedDir;
        BaseUrl = baseUrl;
        Options = options;
        Client = ClientFor(AdminKey);
    }

    public Uri BaseUrl { get; }

    public HeraldOptions Options { get; }

    /// <summary>A client with the operator key of organization <c>default</c>.</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public HeraldStore Store => _app.Services.GetRequiredService<HeraldStore>();

    public string DataDir => Options.DataDir;

    public HttpClient ClientFor(string? key)
    {
        var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    public static async Task<HeraldTestServer> StartAsync(
        Action<HeraldOptions>? configure = null,
        TimeProvider? clock = null,
        IHostResolver? resolver = null,
        string? dataDir = null,
        Action<IServiceCollection>? services = null)
    {
        var owned = dataDir is null ? TempDir.Create("herald-test") : null;
        var app = await HeraldServer.BuildAsync(options =>
        {
            options.Urls = "http://127.0.0.1:0";
            options.DataDir = dataDir ?? owned!.Path;
            options.AdminKey = AdminKey;
            options.AllowPrivateTargets = true;
            options.Workers = 16;
            configure?.Invoke(options);
        }, TextWriter.Null, clock, collection =>
        {
            if (resolver is not null)
            {
                collection.AddSingleton(resolver);
            }
            services?.Invoke(collection);
        });
        var options = app.Services.GetRequiredService<IOptions<HeraldOptions>>().Value;
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HeraldTestServer(app, new Uri(address.Replace("localhost", "127.0.0.1", StringComparison.Ordinal)), options, owned);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _ownedDir?.Dispose();
    }
}

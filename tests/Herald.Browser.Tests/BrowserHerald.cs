using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Herald.Engine.Configuration;
using Herald.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Herald.Browser.Tests;

/// <summary>
/// One real Herald (Kestrel on 127.0.0.1, SQLite in a temporary data dir), one loopback receiver and
/// one headless Chromium, shared by the browser tests. Debian's chromium is used, not a downloaded build.
/// </summary>
public sealed class BrowserHerald : IAsyncLifetime
{
    public const string AdminKey = "hk_browser_test_operator_key_0123456789";
    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("HERALD_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private WebApplication? _herald;
    private string? _dataDir;
    private IPlaywright? _playwright;

    public Uri BaseUrl { get; private set; } = null!;

    public Receiver Receiver { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Screenshots of the scenarios: test artifacts, kept after the run.</summary>
    public static string ScreenshotDir { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium (apt-get install chromium; scripts/test.sh does it).");
        }
        Directory.CreateDirectory(ScreenshotDir);
        _dataDir = Path.Combine(Path.GetTempPath(), "herald-browser-" + Guid.NewGuid().ToString("N"));
        _herald = await HeraldServer.BuildAsync(options =>
        {
            options.Urls = "http://127.0.0.1:0";
            options.DataDir = _dataDir;
            options.AdminKey = AdminKey;
            options.AllowPrivateTargets = true;
            options.Workers = 8;
        }, TextWriter.Null);
        await _herald.StartAsync();
        var address = _herald.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address.Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        Receiver = await Receiver.StartAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        if (Receiver is not null)
        {
            await Receiver.DisposeAsync();
        }
        if (_herald is not null)
        {
            await _herald.StopAsync();
            await _herald.DisposeAsync();
        }
        if (_dataDir is not null)
        {
            try
            {
                Directory.Delete(_dataDir, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary directory is harmless.
            }
        }
    }

    public HttpClient Api(string key = AdminKey)
    {
        var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>A new organization through the API; returns its admin key.</summary>
    public async Task<string> NewOrgAsync()
    {
        using var api = Api();
        var response = await api.PostAsJsonAsync("/v1/orgs", new { name = "org-" + Guid.NewGuid().ToString("N") });
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["admin_key"]!.GetValue<string>();
    }

    /// <summary>A browser page of its own context (its own cookies), at <paramref name="width"/> × <paramref name="height"/>.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            BaseURL = BaseUrl.ToString(),
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    public static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, name + ".png"), FullPage = true });
}

/// <summary>A webhook receiver on loopback that records requests and answers with a status the test sets.</summary>
public sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Path, Dictionary<string, string> Headers, string Body)> _requests = new();

    private Receiver(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The status code of the next answers (200 unless a test makes the receiver fail).</summary>
    public int Status { get; set; } = 200;

    public IReadOnlyList<(string Path, Dictionary<string, string> Headers, string Body)> Requests => [.. _requests];

    public string Url(string path) => new Uri(BaseUrl, path).ToString();

    public static async Task<Receiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new Receiver(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            receiver._requests.Enqueue((context.Request.Path, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
            context.Response.StatusCode = receiver.Status;
            await context.Response.WriteAsync("{\"status\":" + receiver.Status + "}");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseUrl = new Uri(address.Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        return receiver;
    }

    public async Task<(string Path, Dictionary<string, string> Headers, string Body)> WaitForAsync(string path, int count = 1)
    {
        for (var i = 0; i < 200; i++)
        {
            var matching = Requests.Where(r => r.Path == path).ToList();
            if (matching.Count >= count)
            {
                return matching[count - 1];
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The receiver did not get {count} request(s) at {path} within 20 s.");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserHerald>
{
    public const string Name = "browser";
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Hosting;
using Herald.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Herald.Bench;

/// <summary>
/// Where Herald runs during a scenario. <see cref="InProcess"/> is <c>herald serve</c> hosted in the
/// bench process on SQLite; a PostgreSQL topology (an API process and a worker process on one
/// database) is another entry here, and every scenario runs on it unchanged.
/// </summary>
public sealed record BenchTopology(string Name, int Processes, Func<ScenarioContext, CancellationToken, Task<BenchTarget>> StartAsync)
{
    public static BenchTopology InProcess { get; } = new("in-process", 1, StartInProcessAsync);

    /// <summary>Herald in this process (SQLite or PostgreSQL), or <paramref name="processes"/> <c>herald serve</c> processes on the PostgreSQL <c>--database</c>.</summary>
    public static BenchTopology For(int processes) => processes > 1 ? ProcessTopology.Create(processes) : InProcess;

    /// <summary>
    /// Herald as <c>herald serve</c> builds it (SQLite in WAL mode with synchronous=FULL,
    /// --allow-private-targets, a known admin key, a free loopback port), in this process.
    /// </summary>
    private static async Task<BenchTarget> StartInProcessAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var adminKey = "hk_bench_" + Guid.NewGuid().ToString("N");
        var options = new HeraldOptions
        {
            Urls = "http://127.0.0.1:0",
            DataDir = Path.Combine(context.WorkDir, "data"),
            Database = context.Options.Database is { } database ? ScenarioDatabase(database, context) : null,
            AdminKey = adminKey,
            AllowPrivateTargets = true,
            Workers = context.Options.Workers,
            SecretKey = context.SecretKey,
        };
        WebApplication app;
        try
        {
            app = await HeraldServer.BuildAsync(options, TextWriter.Null, configure: BenchLogging.Quiet);
        }
        catch (StartupException e)
        {
            throw new BenchException("Herald did not start: " + e.Message);
        }
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        try
        {
            var (orgId, orgKey) = await CreateOrganizationAsync(new Uri(address), adminKey, Path.GetFileName(context.WorkDir), cancellationToken);
            return new BenchTarget(new Uri(address), orgKey, orgId, app.Services.GetRequiredService<HeraldStore>(), InProcess, app) { OperatorKey = adminKey };
        }
        catch
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Each scenario works in an organization of its own: on a database that outlives the scenario
    /// (a shared PostgreSQL), no endpoint of an earlier one can match its events.
    /// </summary>
    internal static async Task<(string Id, string AdminKey)> CreateOrganizationAsync(Uri baseAddress, string operatorKey, string scenario, CancellationToken cancellationToken)
    {
        using var client = Baselines.NewClient(1);
        client.BaseAddress = baseAddress;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", operatorKey);
        var body = new JsonObject { ["name"] = $"bench {scenario} {Guid.NewGuid().ToString("N")[..8]}" };
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var created = await client.PostAsync("/v1/orgs", content, cancellationToken);
        var text = await created.Content.ReadAsStringAsync(cancellationToken);
        if (created.StatusCode != HttpStatusCode.Created)
        {
            throw new BenchException($"Creating the bench's organization got {(int)created.StatusCode}: {text}");
        }
        var org = JsonNode.Parse(text)!;
        return (org["id"]!.GetValue<string>(), org["admin_key"]!.GetValue<string>());
    }

    /// <summary>
    /// <c>sqlite:PATH</c> names the first scenario's file; each further scenario needs a fresh
    /// database of its own, so it gets PATH with the scenario's name added.
    /// </summary>
    private static string ScenarioDatabase(string database, ScenarioContext context)
    {
        if (Storage.Postgres.PostgresStoreFactory.IsPostgres(database))
        {
            // One database for every scenario: each works in an organization of its own.
            return database;
        }
        var path = Path.GetFullPath(database["sqlite:".Length..]);
        if (!File.Exists(path))
        {
            return "sqlite:" + path;
        }
        var scenario = Path.GetFileName(context.WorkDir);
        return "sqlite:" + Path.Combine(Path.GetDirectoryName(path)!, $"{Path.GetFileNameWithoutExtension(path)}-{scenario}{Path.GetExtension(path)}");
    }
}

/// <summary>
/// A running Herald under test: its API address, the scenario's organization and its admin key,
/// and its store (round-trip counts, backlog seeding).
/// </summary>
public sealed class BenchTarget : IAsyncDisposable
{
    private readonly IAsyncDisposable _host;

    public BenchTarget(Uri baseAddress, string adminKey, string orgId, HeraldStore store, BenchTopology topology, IAsyncDisposable host)
    {
        BaseAddress = baseAddress;
        AdminKey = adminKey;
        OrgId = orgId;
        Store = store;
        Topology = topology;
        _host = host;
    }

    public Uri BaseAddress { get; }

    public string AdminKey { get; }

    public string OrgId { get; }

    public HeraldStore Store { get; }

    public BenchTopology Topology { get; }

    public string Backend => Store.Backend;

    /// <summary>Every process's API address; requests go to them in turn.</summary>
    public IReadOnlyList<Uri> Addresses { get; init; } = [];

    /// <summary>The operator key, for a scenario that needs an organization besides its own.</summary>
    public string OperatorKey { get; init; } = "";

    /// <summary>CPU time of Herald processes other than this one (zero in-process).</summary>
    public Func<TimeSpan>? ExtraCpuTime { get; init; }

    /// <summary>A client of the API with the admin key (or <paramref name="key"/>), allowing <paramref name="connections"/> at once (to each process).</summary>
    public HttpClient NewClient(int connections, string? key = null)
    {
        var client = Addresses.Count > 1
            ? new HttpClient(new RoundRobin(Addresses) { InnerHandler = Baselines.NewHandler(connections) }) { Timeout = TimeSpan.FromSeconds(60) }
            : Baselines.NewClient(connections);
        client.BaseAddress = BaseAddress;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key ?? AdminKey);
        return client;
    }

    /// <summary>
    /// Creates <paramref name="count"/> endpoints named <c>{prefix}-{i}</c> on the receiver's
    /// <c>/hook/{prefix}-{i}</c>, with the defaults (the standard signature scheme with a generated
    /// secret, the envelope format) plus <paramref name="extra"/>; returns their ids in order.
    /// </summary>
    public async Task<string[]> CreateEndpointsAsync(HttpClient client, BenchReceiver receiver, int count, string prefix, JsonObject? extra, CancellationToken cancellationToken)
    {
        var ids = new string[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Math.Min(count, 8)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var body = extra is null ? new JsonObject() : (JsonObject)extra.DeepClone();
                body["name"] = $"{prefix}-{i}";
                body["url"] = receiver.Url($"/hook/{prefix}-{i}");
                using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
                using var created = await client.PostAsync("/v1/endpoints", content, cancellationToken);
                var text = await created.Content.ReadAsStringAsync(cancellationToken);
                if (created.StatusCode != HttpStatusCode.Created)
                {
                    throw new BenchException($"Creating endpoint {prefix}-{i} got {(int)created.StatusCode}: {text}");
                }
                ids[i] = JsonNode.Parse(text)!["id"]!.GetValue<string>();
            }
        }, cancellationToken)));
        return ids;
    }

    /// <summary>Sends each request to the next process's address, the path and query kept.</summary>
    private sealed class RoundRobin(IReadOnlyList<Uri> addresses) : DelegatingHandler
    {
        private int _next = -1;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var target = addresses[(int)((uint)Interlocked.Increment(ref _next) % (uint)addresses.Count)];
            request.RequestUri = new UriBuilder(request.RequestUri!) { Host = target.Host, Port = target.Port }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is IHost host)
        {
            await host.StopAsync(CancellationToken.None);
        }
        await _host.DisposeAsync();
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Bench;

/// <summary>
/// Where Herald runs during a scenario. <see cref="InProcess"/> is <c>herald serve</c> hosted in the
/// bench process (through the <see cref="BenchHost"/> the executable passes in); the
/// <c>processes</c> topology is separate <c>herald serve</c> processes on one PostgreSQL database;
/// every scenario runs on either unchanged.
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
        var settings = new InProcessHerald(
            Path.Combine(context.WorkDir, "data"),
            context.Options.Database is { } database ? ScenarioDatabase(database, context) : null,
            adminKey,
            context.Options.Workers,
            context.SecretKey);
        var started = await context.Host.StartInProcessAsync(settings, cancellationToken);
        try
        {
            var (orgId, orgKey) = await CreateOrganizationAsync(started.BaseAddress, adminKey, Path.GetFileName(context.WorkDir), cancellationToken);
            return new BenchTarget(started.BaseAddress, orgKey, orgId, BenchDatabase.Backend(context.Options.Database), InProcess, started.Stop) { OperatorKey = adminKey };
        }
        catch
        {
            await started.Stop.DisposeAsync();
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
        if (BenchDatabase.IsPostgres(database))
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
/// and its backend; its <c>/metrics</c> give the round trips and the queue depth.
/// </summary>
public sealed class BenchTarget : IAsyncDisposable
{
    private readonly IAsyncDisposable _host;

    public BenchTarget(Uri baseAddress, string adminKey, string orgId, string backend, BenchTopology topology, IAsyncDisposable host)
    {
        BaseAddress = baseAddress;
        AdminKey = adminKey;
        OrgId = orgId;
        Backend = backend;
        Topology = topology;
        _host = host;
    }

    public Uri BaseAddress { get; }

    public string AdminKey { get; }

    public string OrgId { get; }

    public BenchTopology Topology { get; }

    /// <summary><c>sqlite</c> or <c>postgresql</c>, as Herald names its backend.</summary>
    public string Backend { get; }

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
    public Task<string[]> CreateEndpointsAsync(HttpClient client, BenchReceiver receiver, int count, string prefix, JsonObject? extra, CancellationToken cancellationToken) =>
        CreateEndpointsWithAsync(client, receiver, count, prefix, _ => extra is null ? new JsonObject() : (JsonObject)extra.DeepClone(), cancellationToken);

    /// <summary>The same, with <paramref name="extra"/> giving endpoint <c>i</c>'s own settings.</summary>
    public async Task<string[]> CreateEndpointsWithAsync(HttpClient client, BenchReceiver receiver, int count, string prefix, Func<int, JsonObject> extra, CancellationToken cancellationToken)
    {
        var ids = new string[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Math.Min(count, 8)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var body = extra(i);
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

    /// <summary>
    /// Herald's database round trips so far (<c>herald_db_queries_total</c>; 0 for separate
    /// processes, which count their own). Serving <c>/metrics</c> reads the database itself;
    /// <paramref name="exceptOwn"/> leaves that read out (measured by reading twice), so the
    /// difference of a reading before a run and one after it is the run's alone.
    /// </summary>
    public async Task<long> RoundTripsAsync(CancellationToken cancellationToken, bool exceptOwn = false)
    {
        if (Topology.Processes > 1)
        {
            return 0;
        }
        var first = await MetricAsync("herald_db_queries_total", cancellationToken);
        if (!exceptOwn)
        {
            return first;
        }
        var second = await MetricAsync("herald_db_queries_total", cancellationToken);
        return first - Math.Max(0, second - first);
    }

    /// <summary>Deliveries pending or being sent in the whole database (<c>herald_queue_depth</c>).</summary>
    public Task<long> QueueDepthAsync(CancellationToken cancellationToken) => MetricAsync("herald_queue_depth", cancellationToken);

    private async Task<long> MetricAsync(string name, CancellationToken cancellationToken)
    {
        using var client = Baselines.NewClient(1);
        using var response = await client.GetAsync(new Uri(BaseAddress, "/metrics"), cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new BenchException($"Reading Herald's /metrics got {(int)response.StatusCode}: {text}");
        }
        return MetricsText.Value(text, name) ?? throw new BenchException($"Herald's /metrics has no {name}.");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();
}

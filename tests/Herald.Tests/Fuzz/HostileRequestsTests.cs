using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Tests.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Herald.Tests.Fuzz;

/// <summary>
/// Over ten thousand malformed and hostile requests against every route of the OpenAPI document and every
/// form the dashboard posts, from a seed chosen per run (HERALD_FUZZ_SEED replays one), with a few valid
/// ones mixed in: every input is validated, and none crashes a worker, loses other data or leaks
/// another organization's data (docs/security.md, "Broken requests are the client's mistake").
/// Strings that are no UTF-16, numbers no double holds and broken chunked framing are among the
/// attacks; none may be answered with a 5xx or logged as an error.
/// </summary>
public sealed class HostileRequestsTests(ITestOutputHelper output)
{
    private const int HostileBudget = 10_500;
    private const double ValidShare = 0.05;
    private const int Concurrency = 8;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(75);

    /// <summary>
    /// Columns a legitimate request may change on a row that existed before the run, and why:
    /// <c>api_keys.last_used_at</c> records every authenticated request, hostile ones included (a 404 or
    /// 422 still used the key), and is flushed in the background. Everything else — in particular every
    /// column of the fixtures' endpoints, events and deliveries, and all of <c>meta</c> and
    /// <c>schema_migrations</c> — must be byte-identical: the valid traffic only updates, deletes or
    /// retries what it created itself, and those rows (with their children) are left out whole.
    /// </summary>
    private static readonly Dictionary<string, string[]> VolatileColumns = new() { ["api_keys"] = ["last_used_at"] };

    private readonly ConcurrentQueue<Finding> _findings = new();
    private readonly ConcurrentDictionary<(string Route, string Class), int> _hits = new();
    private readonly ConcurrentDictionary<string, int> _perClass = new();
    private readonly CreatedRows _created = new();
    private int _retries;

    private sealed record Finding(string Category, string Route, string Class, int Status, string Request, string Response);

    /// <summary>A fresh seed each run, unless HERALD_FUZZ_SEED replays one (the seed of a failed run is in its output and failure message).</summary>
    private static int ChooseSeed() =>
        Environment.GetEnvironmentVariable("HERALD_FUZZ_SEED") is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : Random.Shared.Next();

    [Fact]
    public async Task EveryRouteSurvivesHostileInput()
    {
        var seed = ChooseSeed();
        var seedLine = $"hostile request fuzz: seed {seed} (replay with HERALD_FUZZ_SEED={seed})";
        output.WriteLine(seedLine);
        // Standard output too, so the seed is in the CI log even when the test output is not shown.
        Console.WriteLine(seedLine);
        var clock = Stopwatch.StartNew();
        var errorLog = new ErrorLogCapture();
        await using var server = await HeraldTestServer.StartAsync(o => o.CircuitProbeInterval = TimeSpan.FromMilliseconds(500),
            services: s => s.AddSingleton<ILoggerProvider>(errorLog));
        await using var receiver = await TestReceiver.StartAsync();
        var world = await FuzzFixture.CreateAsync(server, receiver);
        var routes = await RoutesFromOpenApiAsync(server, world);
        output.WriteLine($"{routes.Count} routes in /openapi/v1.json; fixture ready in {clock.Elapsed.TotalSeconds:0.0} s");

        var random = new Random(seed);
        var generator = new HostileRequestGenerator(world, random);
        var variants = generator.Variants(routes);
        var plan = Plan(variants, generator, random);
        var valid = new ValidTraffic(world, new Random(unchecked(seed + 1)));
        var validCount = (int)Math.Ceiling(plan.Count * ValidShare / (1 - ValidShare));

        var database = Path.Combine(server.DataDir, "herald.db");
        var before = DatabaseDump.Read(database);

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency * 2, AllowAutoRedirect = false, UseCookies = false };
        using var http = new HttpClient(handler) { BaseAddress = server.BaseUrl, Timeout = Timeout.InfiniteTimeSpan };
        using var run = new CancellationTokenSource(RunLimit);
        var fuzzClock = Stopwatch.StartNew();
        var hostileDone = 0;
        var hostile = Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = Concurrency - 1, CancellationToken = run.Token }, async (item, ct) =>
        {
            var request = item.Request ?? item.Make!();
            await ExchangeAsync(http, server.BaseUrl, request, world, ct);
            Interlocked.Increment(ref hostileDone);
        });
        var validLane = Task.Run(async () =>
        {
            for (var i = 0; i < validCount && !run.IsCancellationRequested; i++)
            {
                // Spread the valid requests evenly through the hostile ones.
                while (Volatile.Read(ref hostileDone) < (long)i * plan.Count / validCount && !hostile.IsCompleted)
                {
                    await Task.Delay(5, run.Token);
                }
                var request = valid.Next();
                var (status, body) = await ExchangeAsync(http, server.BaseUrl, request, world, run.Token);
                valid.Observe(request, status, body);
            }
        }, run.Token);
        try
        {
            await Task.WhenAll(hostile, validLane);
        }
        catch (OperationCanceledException)
        {
            Add("run took too long", "-", "-", 0, $"stopped after {RunLimit.TotalSeconds} s with {hostileDone} of {plan.Count} hostile requests answered", "");
        }
        var fuzzTime = fuzzClock.Elapsed;

        // Deliveries the valid traffic caused finish, so the second dump is taken at rest.
        var stuck = await FuzzFixture.SettleAsync(server, TimeSpan.FromSeconds(20));
        foreach (var delivery in stuck)
        {
            Add("delivery stuck (worker did not finish it)", "worker", "-", 0, delivery, "");
        }
        var after = DatabaseDump.Read(database);
        var differences = DatabaseDump.Compare(before, after, Excluded(after, world), VolatileColumns);
        foreach (var difference in differences)
        {
            Add("database changed outside the valid requests", "database", "-", 0, difference, "");
        }

        await CheckStillHealthyAsync(server, receiver, world);

        // A client's mistake is no server error: nothing the run sent may log at Error or above.
        foreach (var entry in errorLog.Entries)
        {
            Add("error logged", "log", "-", 0, entry, "");
        }

        Report(variants, plan.Count, validCount, fuzzTime, clock.Elapsed, before, after);
        var missing = variants.Keys.Where(k => !_hits.ContainsKey(k)).ToList();
        if (missing.Count > 0)
        {
            Add("coverage", "-", "-", 0, $"{missing.Count} applicable (route, class) pairs were never answered:\n{CoverageTable(variants)}", "");
        }
        Assert.True(_findings.IsEmpty, seedLine + "\n" + Summary());
        Assert.True(plan.Count + validCount >= 10_000, $"only {plan.Count + validCount} requests were planned");
    }

    private sealed record Planned(FuzzRequest? Request, Func<FuzzRequest>? Make);

    /// <summary>
    /// Every variant of every applicable (route, class) once, then random draws of the cheap classes up to
    /// the budget; shuffled so classes and routes interleave. Large bodies are built when sent, not held.
    /// </summary>
    private static List<Planned> Plan(Dictionary<(string Route, string Class), List<Func<FuzzRequest>>> variants, HostileRequestGenerator generator, Random random)
    {
        var plan = new List<Planned>();
        foreach (var ((_, cls), makers) in variants.OrderBy(v => v.Key.Route, StringComparer.Ordinal).ThenBy(v => v.Key.Class, StringComparer.Ordinal))
        {
            foreach (var make in makers)
            {
                plan.Add(FuzzClass.Expensive.Contains(cls) ? new Planned(null, make) : new Planned(make(), null));
            }
        }
        var cheap = variants.Where(v => !FuzzClass.Expensive.Contains(v.Key.Class)).Select(v => (v.Key, v.Value)).OrderBy(v => v.Key.Route, StringComparer.Ordinal)
            .ThenBy(v => v.Key.Class, StringComparer.Ordinal).ToList();
        while (plan.Count < HostileBudget)
        {
            plan.Add(new Planned(generator.Draw(cheap), null));
        }
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(plan));
        return plan;
    }

    private static async Task<List<RouteSpec>> RoutesFromOpenApiAsync(HeraldTestServer server, FuzzWorld world)
    {
        var document = await (await server.Client.GetAsync("/openapi/v1.json")).ReadJsonAsync(HttpStatusCode.OK);
        var routes = new List<RouteSpec>();
        foreach (var (path, operations) in document["paths"]!.AsObject())
        {
            foreach (var (method, _) in operations!.AsObject())
            {
                if (method is "get" or "post" or "put" or "patch" or "delete")
                {
                    routes.Add(Routes.Describe(method.ToUpperInvariant(), path, world));
                }
            }
        }
        Assert.True(routes.Count >= 25, $"/openapi/v1.json lists only {routes.Count} routes");
        return routes;
    }

    // ---- one exchange and its checks ----

    private async Task<(int Status, JsonNode? Body)> ExchangeAsync(HttpClient http, Uri baseUrl, FuzzRequest request, FuzzWorld world, CancellationToken runToken)
    {
        _perClass.AddOrUpdate(request.Class, 1, (_, n) => n + 1);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(runToken);
        timeout.CancelAfter(RequestTimeout);
        WireResponse response;
        try
        {
            try
            {
                response = await SendAsync(http, baseUrl, request, timeout.Token);
            }
            catch (HttpRequestException e) when (!request.Raw && e.InnerException is IOException or System.Net.Sockets.SocketException)
            {
                // A pooled connection the server had just closed (allowed after any response) is not an answer: once more, fresh.
                Interlocked.Increment(ref _retries);
                response = await SendAsync(http, baseUrl, request, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!runToken.IsCancellationRequested)
        {
            Add("no answer within the timeout (hang)", request.Route, request.Class, 0, request.Describe(), $"no response in {RequestTimeout.TotalSeconds} s");
            return (0, null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException)
        {
            var reason = e.GetType().Name + ": " + e.Message + (e.InnerException is { } inner ? $" ← {inner.GetType().Name}: {inner.Message}" : "");
            Add("connection failed (no HTTP response)", request.Route, request.Class, 0, request.Describe(), reason);
            return (0, null);
        }
        _hits.AddOrUpdate((request.Route, request.Class), 1, (_, n) => n + 1);
        return Check(request, response, world);
    }

    private static async Task<WireResponse> SendAsync(HttpClient http, Uri baseUrl, FuzzRequest request, CancellationToken cancellationToken)
    {
        if (request.Framed is { } framed)
        {
            var head = new List<(string, string)>();
            if (request.Authorization is not null)
            {
                head.Add(("Authorization", request.Authorization));
            }
            head.Add(("Content-Type", request.ContentType ?? "application/json"));
            head.AddRange(request.Headers);
            return await RawHttp.SendBytesAsync(baseUrl, [.. RawHttp.ChunkedHead(baseUrl, request.Method, request.Path, head), .. framed], cancellationToken);
        }
        if (request.Raw)
        {
            var headers = new List<(string, string)>();
            if (request.Authorization is not null)
            {
                headers.Add(("Authorization", request.Authorization));
            }
            if (request.ContentType is not null)
            {
                headers.Add(("Content-Type", request.ContentType));
            }
            headers.AddRange(request.Headers);
            return await RawHttp.SendAsync(baseUrl, request.Method, request.Path, headers, request.Body, request.Chunked, cancellationToken);
        }
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(baseUrl, request.Path));
        if (request.Authorization is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", request.Authorization);
        }
        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }
        }
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var all = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        return new WireResponse((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), all, body);
    }

    private (int Status, JsonNode? Body) Check(FuzzRequest request, WireResponse response, FuzzWorld world)
    {
        var status = response.Status;
        var text = response.BodyText;
        void Fail(string category) => Add(category, request.Route, request.Class, status, request.Describe(), $"{status} {response.ContentType} {Clip(text, 600)}");

        if (status >= 500)
        {
            Fail("5xx");
        }
        if (status is < 200 or > 299 && ProblemDefect(request, response) is { } defect)
        {
            Fail("error is not problem+json with status and detail: " + defect);
        }
        if (request.Expect is { } expect && !expect.Contains(status) && status < 500)
        {
            Fail(request.Class == FuzzClass.Valid
                ? $"valid request refused (expected {HostileRequestGenerator.Format(expect)})"
                : $"unexpected status (expected {HostileRequestGenerator.Format(expect)})");
        }
        if (!request.MayAccept && status is >= 200 and <= 299 && request.Method is not ("GET" or "HEAD"))
        {
            Fail("invalid request accepted (2xx on a mutating route)");
        }
        if (!request.AsOperator)
        {
            var sent = request.Path + " " + (request.Body is null ? "" : Encoding.UTF8.GetString(request.Body)) + " " + string.Join(" ", request.Headers.Select(h => h.Value));
            var seen = text + " " + string.Join(" ", response.Headers.Values);
            foreach (var token in world.ForeignTokens)
            {
                if (seen.Contains(token, StringComparison.Ordinal) && !sent.Contains(token, StringComparison.Ordinal))
                {
                    Fail($"organization A's data leaked to B ({token})");
                }
            }
        }
        JsonNode? json = null;
        if (status is >= 200 and <= 299 && response.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true && response.Body.Length > 0)
        {
            try
            {
                json = JsonNode.Parse(response.Body);
            }
            catch (JsonException e)
            {
                Fail("2xx body is not JSON: " + e.Message);
            }
        }
        if (status is >= 200 and <= 299 && request.MayAccept)
        {
            _created.Track(request, json, world.OwnOrgId);
        }
        return (status, json);
    }

    /// <summary>Why an error answer is not RFC 9457 problem+json with <c>status</c> and <c>detail</c>; null when it is.</summary>
    private static string? ProblemDefect(FuzzRequest request, WireResponse response)
    {
        // Dashboard refusals are pages; only a request Herald could not read (framing, form limits) is answered as a problem.
        if (request.Dashboard && !(request.Class is FuzzClass.BadChunking or FuzzClass.FormTooManyFields && response.Status is 400 or 413))
        {
            return null;
        }
        var media = response.ContentType?.Split(';')[0].Trim();
        if (!string.Equals(media, "application/problem+json", StringComparison.OrdinalIgnoreCase))
        {
            return $"Content-Type is {response.ContentType ?? "(none)"}, body {response.Body.Length} bytes";
        }
        if (request.Method == "HEAD")
        {
            return null; // HEAD answers carry no body.
        }
        try
        {
            var problem = JsonNode.Parse(response.Body) as JsonObject;
            if (problem?["status"] is not JsonValue s || !s.TryGetValue<int>(out var value) || value != response.Status)
            {
                return "no status equal to the HTTP status";
            }
            if (problem["detail"] is not JsonValue d || !d.TryGetValue<string>(out var detail) || string.IsNullOrWhiteSpace(detail))
            {
                return "no detail";
            }
            return null;
        }
        catch (JsonException)
        {
            return "the body is not JSON";
        }
    }

    // ---- after the run ----

    /// <summary>
    /// Rows the legitimate requests made: created organizations (and everything in them), keys, event types,
    /// endpoints, events and idempotency records, plus the children of created events and endpoints
    /// (deliveries, their attempts, rate-limit state). Computed from the second dump.
    /// </summary>
    private Func<string, DumpRow, bool> Excluded(DatabaseDump after, FuzzWorld world)
    {
        var orgs = _created.Orgs.Keys.ToHashSet();
        var endpoints = _created.Endpoints.Keys.ToHashSet();
        var events = _created.Events.Keys.ToHashSet();
        var deliveries = new HashSet<string>();
        foreach (var row in after.Rows("deliveries"))
        {
            if (_created.Deliveries.ContainsKey(row.Value("id")) || endpoints.Contains(row.Value("endpoint_id")))
            {
                events.Add(row.Value("event_id"));
            }
        }
        foreach (var row in after.Rows("deliveries"))
        {
            if (events.Contains(row.Value("event_id")) || endpoints.Contains(row.Value("endpoint_id")) || orgs.Contains(row.Value("org_id")))
            {
                deliveries.Add(row.Value("id"));
            }
        }
        return (table, row) =>
        {
            if (row.Columns.TryGetValue("org_id", out var org) && orgs.Contains(org))
            {
                return true;
            }
            return table switch
            {
                "orgs" => orgs.Contains(row.Value("id")),
                "api_keys" => _created.Keys.ContainsKey(row.Value("id")),
                "event_types" => _created.EventTypes.ContainsKey(row.Key),
                "endpoints" => endpoints.Contains(row.Value("id")),
                "events" => events.Contains(row.Value("id")),
                "deliveries" => deliveries.Contains(row.Value("id")),
                "attempts" => deliveries.Contains(row.Value("delivery_id")),
                "idempotency" => _created.IdempotencyKeys.ContainsKey(row.Key),
                _ => row.Columns.TryGetValue("endpoint_id", out var endpoint) && endpoints.Contains(endpoint),
            };
        };
    }

    /// <summary>The server still answers, and a fresh publish still reaches a receiver: the workers survived.</summary>
    private async Task CheckStillHealthyAsync(HeraldTestServer server, TestReceiver receiver, FuzzWorld world)
    {
        var ready = await server.Client.GetAsync("/health/ready");
        if (ready.StatusCode != HttpStatusCode.OK)
        {
            Add("not ready after the run", "GET /health/ready", "-", (int)ready.StatusCode, "GET /health/ready", await ready.Content.ReadAsStringAsync());
        }
        using var b = server.ClientFor(world.AdminB);
        var path = "/final/" + Guid.NewGuid().ToString("N");
        var endpoint = await b.CreateEndpointAsync(ApiTestSupport.EndpointBody(receiver.Url(path), new JsonObject { ["event_types"] = new JsonArray("final.check") }));
        await b.PublishAsync(new JsonObject { ["type"] = "final.check", ["data"] = new JsonObject { ["ok"] = true }, ["endpoints"] = new JsonArray(endpoint.Str("id")) });
        try
        {
            await receiver.WaitForAsync(path, 1, TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException e)
        {
            Add("workers stopped: a publish after the run was not delivered", "POST /v1/events", "-", 0, path, e.Message);
        }
    }

    private void Add(string category, string route, string cls, int status, string request, string response) =>
        _findings.Enqueue(new Finding(category, route, cls, status, request, response));

    private string Summary()
    {
        var text = new StringBuilder();
        var groups = _findings.GroupBy(f => (f.Category, f.Route, f.Class, f.Status)).OrderBy(g => g.Key.Category, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Route, StringComparer.Ordinal).ToList();
        text.AppendLine(CultureInfo.InvariantCulture, $"{_findings.Count} findings in {groups.Count} groups:");
        foreach (var group in groups.Take(150))
        {
            var first = group.First();
            text.AppendLine(CultureInfo.InvariantCulture, $"- [{group.Key.Category}] {group.Key.Route} · {group.Key.Class} · status {group.Key.Status} · ×{group.Count()}");
            text.AppendLine(CultureInfo.InvariantCulture, $"    request:  {first.Request}");
            foreach (var other in group.Skip(1).Select(f => f.Request).Distinct().Take(2))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"    also:     {other}");
            }
            if (first.Response.Length > 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"    response: {first.Response}");
            }
        }
        return text.ToString();
    }

    private void Report(
        Dictionary<(string Route, string Class), List<Func<FuzzRequest>>> variants, int hostile, int validCount, TimeSpan fuzzTime, TimeSpan total,
        DatabaseDump before, DatabaseDump after)
    {
        output.WriteLine($"sent {_perClass.Values.Sum()} requests ({hostile} hostile planned, {validCount} valid planned) in {fuzzTime.TotalSeconds:0.0} s; whole test {total.TotalSeconds:0.0} s");
        output.WriteLine($"applicable (route, class) pairs: {variants.Count}; answered: {variants.Keys.Count(_hits.ContainsKey)}; resent after a closed pooled connection: {_retries}");
        foreach (var (cls, count) in _perClass.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {cls,-24} {count,6}");
        }
        output.WriteLine($"rows before: {string.Join(", ", before.Tables.Select(t => $"{t.Key}={t.Value.Count}"))}");
        output.WriteLine($"rows after:  {string.Join(", ", after.Tables.Select(t => $"{t.Key}={t.Value.Count}"))}");
        output.WriteLine($"created by legitimate requests: orgs={_created.Orgs.Count} keys={_created.Keys.Count} endpoints={_created.Endpoints.Count} events={_created.Events.Count} event_types={_created.EventTypes.Count}");
        output.WriteLine(CoverageTable(variants));
        if (!_findings.IsEmpty)
        {
            output.WriteLine(Summary());
        }
    }

    /// <summary>Route × class: the answered count, "·" where the class does not apply, "MISSING" where it applies but was never answered.</summary>
    private string CoverageTable(Dictionary<(string Route, string Class), List<Func<FuzzRequest>>> variants)
    {
        var classes = variants.Keys.Select(k => k.Class).Distinct().Order(StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"route",-48}");
        foreach (var cls in classes)
        {
            text.Append(' ').Append(Label(cls).PadLeft(8));
        }
        text.AppendLine();
        foreach (var route in variants.Keys.Select(k => k.Route).Distinct().Order(StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{(route.Length > 47 ? route[..47] : route),-48}");
            foreach (var cls in classes)
            {
                var cell = !variants.ContainsKey((route, cls)) ? "·" : _hits.TryGetValue((route, cls), out var n) ? n.ToString(CultureInfo.InvariantCulture) : "MISSING";
                text.Append(CultureInfo.InvariantCulture, $" {cell,8}");
            }
            text.AppendLine();
        }
        return text.ToString();
    }

    /// <summary>A column label of at most 8 characters that keeps classes apart: <c>json.invalid_utf8</c> → <c>js.inval</c>.</summary>
    private static string Label(string cls)
    {
        var dot = cls.IndexOf('.', StringComparison.Ordinal);
        var group = dot < 0 ? cls : cls[..dot];
        var name = dot < 0 ? "" : cls[(dot + 1)..];
        return $"{group[..Math.Min(2, group.Length)]}.{name[..Math.Min(5, name.Length)]}";
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}

/// <summary>Every log entry at Error or above, as one line each (category, event id, message, exception type).</summary>
internal sealed class ErrorLogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyCollection<string> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && entries.Count < 200)
            {
                entries.Enqueue($"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)}{(exception is null ? "" : $" ← {exception.GetType().Name}: {exception.Message}")}");
            }
        }
    }
}

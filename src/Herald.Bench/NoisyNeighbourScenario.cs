using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Bench;

/// <summary>
/// What one tenant's misbehaving endpoints cost another. Tenant B (the scenario's organization)
/// publishes to one endpoint on a fixed schedule, 50 events a second for --duration (open loop,
/// latency counted from each event's scheduled time), first alone, then while tenant A, an
/// organization of its own, has four endpoints whose receiver accepts the connection and never
/// answers (60 s timeout, 40 events each) and one endpoint it floods with --events events as fast
/// as its publishers can. Reported: B's publish→receiver p50 and p99 both times, and the ratio of
/// the p99s.
/// </summary>
public static class NoisyNeighbourScenario
{
    private const int QuietRate = 50;
    private const int HangingEndpoints = 4;
    private const int HangingEvents = 40;

    public static async Task<ScenarioMeasurement> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var perPhase = (int)Math.Max(1, Math.Round(QuietRate * options.Duration.TotalSeconds));
        var progress = context.Progress("noisy-neighbour");
        await using var target = await context.StartHeraldAsync(cancellationToken);
        using var quiet = target.NewClient(64);
        await target.CreateEndpointsAsync(quiet, context.Receiver, 1, "quiet", null, cancellationToken);
        await BenchLoad.WarmUpAsync(context, quiet, BenchLoad.WarmUpEvents(perPhase), 1, cancellationToken);

        var receiver = context.Receiver;
        receiver.Reset(perPhase * 2);
        var run = new PublishRun(perPhase * 2);
        var accepted = new long[perPhase * 2];
        var before = await Usage.BeforeAsync(target, cancellationToken);
        run.Started = Stopwatch.GetTimestamp();
        await PacedAsync(quiet, run, accepted, 0, perPhase, cancellationToken);
        await WaitForTimedAsync(context, perPhase, progress, cancellationToken);
        var (aloneP50, aloneP99) = EndToEnd(receiver, run, 0, perPhase);

        // Tenant A: hanging receivers holding requests, and a flood to a fast one.
        using var hanging = HangingReceiver.Start();
        var (_, noisyKey) = await BenchTopology.CreateOrganizationAsync(target.BaseAddress, target.OperatorKey, "noisy-neighbour tenant", cancellationToken);
        using var noisy = target.NewClient(options.Publishers, noisyKey);
        for (var i = 0; i < HangingEndpoints; i++)
        {
            await CreateEndpointAsync(noisy, new JsonObject
            {
                ["name"] = $"hanging-{i}", ["url"] = hanging.Url, ["timeout"] = "60s", ["event_types"] = new JsonArray("noisy.hang"),
            }, cancellationToken);
        }
        await target.CreateEndpointsAsync(noisy, receiver, 1, "flood", new JsonObject { ["event_types"] = new JsonArray("noisy.flood") }, cancellationToken);
        for (var i = 0; i < HangingEvents; i++)
        {
            await BenchLoad.PublishAsync(noisy, """{"type":"noisy.hang","data":{"hang":true}}"""u8.ToArray(), "a hanging tenant's event", cancellationToken);
        }
        // Until the hanging requests hold what they can of the workers (or a few seconds passed).
        var holding = Stopwatch.StartNew();
        while (hanging.Connections < Math.Min(options.Workers, HangingEndpoints * HangingEvents) && holding.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(10, cancellationToken);
        }
        using var stopFlood = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var floodPublished = 0;
        var flood = FloodAsync(noisy, options.Events, options.Publishers, () => Interlocked.Increment(ref floodPublished), stopFlood.Token);
        // A moment for the flood to become a backlog before B publishes again.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var floodStart = receiver.Requests;
        var noisyStarted = Stopwatch.GetTimestamp();
        await PacedAsync(quiet, run, accepted, perPhase, perPhase, cancellationToken);
        await WaitForTimedAsync(context, perPhase * 2, progress, cancellationToken);
        var noisySeconds = Stopwatch.GetElapsedTime(noisyStarted).TotalSeconds;
        var floodDelivered = receiver.Requests - floodStart - perPhase;
        await stopFlood.CancelAsync();
        await flood;
        var (noisyP50, noisyP99) = EndToEnd(receiver, run, perPhase, perPhase);

        var after = await Usage.AfterAsync(target, cancellationToken);
        var publish = Enumerable.Range(perPhase, perPhase).Select(i => Stopwatch.GetElapsedTime(run.SentAt[i], accepted[i]).TotalMilliseconds).Order().ToArray();
        var ratio = aloneP99 > 0 ? noisyP99 / aloneP99 : 0;
        progress.Complete(perPhase * 2, perPhase * 2, $"B's e2e p99 {aloneP99:0.0} ms alone, {noisyP99:0.0} ms beside A ({ratio:0.0}×)");
        return new ScenarioMeasurement(
            target.Backend,
            perPhase * 2,
            // The measured tenant's: the flood's figures are in the extra fields.
            1,
            QuietRate,
            (floodDelivered + perPhase) / Math.Max(noisySeconds, 1e-9),
            Percentiles.Of(publish, 50),
            Percentiles.Of(publish, 99),
            noisyP50,
            noisyP99,
            Stopwatch.GetElapsedTime(run.Started).TotalSeconds,
            (after.Cpu - before.Cpu).TotalMilliseconds / Math.Max(1, perPhase * 2 + floodDelivered),
            target.Topology.Processes > 1 ? double.NaN : (double)(after.RoundTrips - before.RoundTrips) / Math.Max(1, perPhase * 2 + Volatile.Read(ref floodPublished)))
        {
            Delivered = receiver.Timed,
            Topology = target.Topology.Name,
            Processes = target.Topology.Processes,
            Extra =
            [
                new("quiet_rate_per_s", QuietRate),
                new("quiet_e2e_p50_ms_alone", Math.Round(aloneP50, 2)),
                new("quiet_e2e_p99_ms_alone", Math.Round(aloneP99, 2)),
                new("quiet_e2e_p50_ms_noisy", Math.Round(noisyP50, 2)),
                new("quiet_e2e_p99_ms_noisy", Math.Round(noisyP99, 2)),
                new("quiet_p99_ratio", Math.Round(ratio, 2)),
                new("noisy_hanging_endpoints", HangingEndpoints),
                new("noisy_hanging_requests", hanging.Connections),
                new("noisy_flood_published", Volatile.Read(ref floodPublished)),
                new("noisy_flood_delivered", floodDelivered),
            ],
        };
    }

    /// <summary>Events <paramref name="from"/> … on a fixed schedule at <see cref="QuietRate"/> a second, sent when due whether or not earlier ones were answered.</summary>
    private static async Task PacedAsync(HttpClient client, PublishRun run, long[] accepted, int from, int count, CancellationToken cancellationToken)
    {
        var sends = new Task[count];
        await BenchLoad.PaceAsync("bench noisy-neighbour pacer", Stopwatch.GetTimestamp(), count, QuietRate, (i, due) =>
        {
            run.SentAt[from + i] = due;
            sends[i] = SendAsync(client, from + i, accepted, cancellationToken);
        }, cancellationToken);
        await Task.WhenAll(sends.Where(t => t is not null));
    }

    private static async Task SendAsync(HttpClient client, int n, long[] accepted, CancellationToken cancellationToken)
    {
        await BenchLoad.PublishAsync(client, BenchLoad.TickBody(n), $"event {n}", cancellationToken);
        accepted[n] = Stopwatch.GetTimestamp();
    }

    /// <summary>Up to <paramref name="events"/> flood events from <paramref name="publishers"/> closed-loop publishers, until cancelled.</summary>
    private static async Task FloodAsync(HttpClient client, int events, int publishers, Action published, CancellationToken cancellationToken)
    {
        var next = -1;
        try
        {
            await Task.WhenAll(Enumerable.Range(0, publishers).Select(_ => Task.Run(async () =>
            {
                while (Interlocked.Increment(ref next) < events && !cancellationToken.IsCancellationRequested)
                {
                    await BenchLoad.PublishAsync(client, """{"type":"noisy.flood","data":{"flood":true}}"""u8.ToArray(), "a flood event", cancellationToken);
                    published();
                }
            }, CancellationToken.None)));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped once B's measurement was over.
        }
    }

    private static async Task WaitForTimedAsync(ScenarioContext context, int expected, Progress progress, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(context.Options.DeliveryTimeout.TotalSeconds * Stopwatch.Frequency);
        while (context.Receiver.Timed < expected)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new BenchException($"The receiver got {context.Receiver.Timed} of the quiet tenant's {expected} deliveries within {context.Options.DeliveryTimeout.TotalSeconds:0} s.");
            }
            progress.Update(context.Receiver.Timed, expected);
            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>Publish→receiver p50 and p99 of events <paramref name="from"/> … <paramref name="from"/>+<paramref name="count"/>−1.</summary>
    private static (double P50, double P99) EndToEnd(BenchReceiver receiver, PublishRun run, int from, int count)
    {
        var sorted = receiver.Arrivals()
            .Where(a => a.Sequence >= from && a.Sequence < from + count)
            .Select(a => Stopwatch.GetElapsedTime(run.SentAt[a.Sequence], a.ReceivedAt).TotalMilliseconds)
            .Order()
            .ToArray();
        return (Percentiles.Of(sorted, 50), Percentiles.Of(sorted, 99));
    }

    private static async Task CreateEndpointAsync(HttpClient client, JsonObject body, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var created = await client.PostAsync("/v1/endpoints", content, cancellationToken);
        if (created.StatusCode != HttpStatusCode.Created)
        {
            throw new BenchException($"Creating endpoint {body["name"]} got {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync(CancellationToken.None)}");
        }
    }

    /// <summary>A receiver that accepts every connection and never answers: each request waits for its timeout.</summary>
    private sealed class HangingReceiver : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly List<Socket> _held = [];
        private readonly Task _accepting;

        private HangingReceiver(TcpListener listener)
        {
            _listener = listener;
            _accepting = AcceptAsync();
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/hang";

        public int Connections
        {
            get
            {
                lock (_held)
                {
                    return _held.Count;
                }
            }
        }

        public static HangingReceiver Start()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return new HangingReceiver(listener);
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync();
                    lock (_held)
                    {
                        _held.Add(socket);
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _accepting.Wait(TimeSpan.FromSeconds(5));
            lock (_held)
            {
                foreach (var socket in _held)
                {
                    socket.Dispose();
                }
            }
        }
    }
}

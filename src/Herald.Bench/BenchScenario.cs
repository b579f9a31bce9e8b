
namespace Herald.Bench;

/// <summary>
/// What every scenario is given: the run's options, the shared receiver, a private working
/// directory, the topology that starts Herald, the run's secret key (every Herald of a run shares
/// one, as processes sharing a database must), where progress goes, and the executable's
/// <see cref="BenchHost"/> the topologies start Herald through.
/// </summary>
public sealed record ScenarioContext(BenchOptions Options, BenchReceiver Receiver, string WorkDir, BenchTopology Topology, string SecretKey, TextWriter ProgressWriter, ProgressMode ProgressMode, BenchHost Host)
{
    public Progress Progress(string label, string unit = "delivered") => new(ProgressWriter, ProgressMode, label, unit);

    /// <summary>Starts Herald under test the way the run's topology says, with its data in this scenario's directory.</summary>
    public Task<BenchTarget> StartHeraldAsync(CancellationToken cancellationToken) => Topology.StartAsync(this, cancellationToken);
}

/// <summary>What a scenario measured; the baselines and the peak RSS are added by the runner.</summary>
public sealed record ScenarioMeasurement(
    string Backend,
    int Events,
    int Endpoints,
    double AcceptedPerSecond,
    double DeliveredPerSecond,
    double PublishP50Ms,
    double PublishP99Ms,
    double EndToEndP50Ms,
    double EndToEndP99Ms,
    double DurationSeconds,
    double CpuMsPerDelivery,
    double DatabaseRoundTripsPerEvent)
{
    /// <summary>Requests the receiver got during the measured part: N×M when every delivery arrived once.</summary>
    public long Delivered { get; init; }

    /// <summary>How Herald ran: <c>in-process</c> today.</summary>
    public string Topology { get; init; } = BenchTopology.InProcess.Name;

    /// <summary>Herald processes under load.</summary>
    public int Processes { get; init; } = 1;

    /// <summary>Figures only this scenario has (its targets, its own sizes), in output order.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Extra { get; init; } = [];
}

/// <summary>
/// One way of loading Herald. A scenario says what load it applies and what it measures; where
/// Herald runs (in this process on SQLite today; PostgreSQL and several processes later) comes
/// from the <see cref="BenchTopology"/> in its context, so every scenario runs on every topology.
/// </summary>
public sealed record BenchScenario(string Name, string Description, Func<ScenarioContext, CancellationToken, Task<ScenarioMeasurement>> RunAsync);

public static class BenchScenarios
{
    public static IReadOnlyList<BenchScenario> All { get; } =
    [
        new("throughput", "N events (--events) published over HTTP by concurrent clients, fanned out to M endpoints (--endpoints); delivered/s until the receiver has all N×M.",
            (c, ct) => ThroughputScenario.RunAsync(c, c.Options.Endpoints, "throughput", ct)),
        new("throughput-10", "The throughput scenario with every event fanned out to 10 endpoints (N×10 deliveries).",
            (c, ct) => ThroughputScenario.RunAsync(c, 10, "throughput-10", ct)),
        new("fanout", "One event to 1,000 endpoints (--fanout-endpoints), --fanout-events times in turn: time to the 202, and until the receiver has every delivery.",
            FanoutScenario.RunAsync),
        new("latency", "Events published on a fixed schedule (--rate per second for --duration, open loop) to one endpoint: publish and publish→receiver percentiles.",
            LatencyScenario.RunAsync),
        new("backlog", "Throughput to one endpoint, then again with --backlog pending deliveries stored (due later, on other endpoints): the loss, and peak RSS.",
            BacklogScenario.RunAsync),
        new("noisy-neighbour", "One tenant publishes 50 events a second for --duration, alone and then beside another whose four endpoints never answer and whose fifth gets a flood of --events: its publish→receiver p99 both times.",
            NoisyNeighbourScenario.RunAsync),
    ];

    /// <summary>The scenarios <paramref name="names"/> selects: names separated by commas, in the order of <see cref="All"/>, or every one for <c>all</c>.</summary>
    public static IReadOnlyList<BenchScenario> Select(string names)
    {
        var wanted = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (wanted.Length == 0 || wanted.Any(n => n.Equals("all", StringComparison.OrdinalIgnoreCase)))
        {
            return All;
        }
        foreach (var name in wanted)
        {
            if (!All.Any(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new BenchException($"--scenario must be all or one or more (comma-separated) of: {string.Join(", ", All.Select(s => s.Name))} (got '{name}').");
            }
        }
        return [.. All.Where(s => wanted.Contains(s.Name, StringComparer.OrdinalIgnoreCase))];
    }
}

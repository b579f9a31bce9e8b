namespace Herald.Bench;

/// <summary>What every scenario is given: the run's options, the shared receiver and a private working directory.</summary>
public sealed record ScenarioContext(BenchOptions Options, BenchReceiver Receiver, string WorkDir, TextWriter Progress);

/// <summary>What a scenario measured; the baselines are added by the runner.</summary>
public sealed record ScenarioMeasurement(
    string Backend,
    double AcceptedPerSecond,
    double DeliveredPerSecond,
    double PublishP50Ms,
    double PublishP99Ms,
    double EndToEndP50Ms,
    double EndToEndP99Ms,
    double DurationSeconds,
    double CpuMsPerDelivery,
    double DatabaseRoundTripsPerEvent);

/// <summary>
/// One way of loading Herald. Scenarios differ in topology (one process on SQLite today; several
/// processes on PostgreSQL later), not in what they report.
/// </summary>
public sealed record BenchScenario(string Name, string Description, Func<ScenarioContext, CancellationToken, Task<ScenarioMeasurement>> RunAsync);

public static class BenchScenarios
{
    public static IReadOnlyList<BenchScenario> All { get; } =
    [
        new("throughput", "Herald in this process on SQLite; N events published over HTTP fan out to M endpoints on a loopback receiver.", ThroughputScenario.RunAsync),
    ];

    /// <summary>The scenarios <paramref name="name"/> selects: one by name, or every one for <c>all</c>.</summary>
    public static IReadOnlyList<BenchScenario> Select(string name)
    {
        if (name.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return All;
        }
        return All.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } one
            ? [one]
            : throw new BenchException($"--scenario must be all or one of: {string.Join(", ", All.Select(s => s.Name))} (got '{name}').");
    }
}

namespace Herald.Bench;

/// <summary>How one <c>herald bench</c> run is sized (docs/benchmarks.md). The defaults finish in a few minutes on two cores.</summary>
public sealed class BenchOptions
{
    /// <summary>Events each throughput run publishes (the <c>backlog</c> scenario runs it twice).</summary>
    public int Events { get; init; } = 20_000;

    /// <summary>Endpoints each event of the <c>throughput</c> scenario fans out to.</summary>
    public int Endpoints { get; init; } = 1;

    /// <summary>Null for a SQLite file in a fresh temporary data dir; <c>sqlite:PATH</c> for a new file elsewhere.</summary>
    public string? Database { get; init; }

    /// <summary><c>herald serve</c> processes sharing the PostgreSQL <see cref="Database"/>; 1 runs Herald inside the bench process.</summary>
    public int Processes { get; init; } = 1;

    /// <summary>Scenario names separated by commas, or <c>all</c>.</summary>
    public string Scenario { get; init; } = "all";

    /// <summary>Herald's <c>--workers</c>; the baselines send with the same concurrency.</summary>
    public int Workers { get; init; } = 64;

    /// <summary>Print only the JSON lines (no table, no progress).</summary>
    public bool Json { get; init; }

    /// <summary>Concurrent publishing tasks: enough to keep the API busy without swamping two cores.</summary>
    public int Publishers { get; init; } = 16;

    /// <summary>Endpoints the one event of a <c>fanout</c> round goes to.</summary>
    public int FanoutEndpoints { get; init; } = 1_000;

    /// <summary>Rounds of the <c>fanout</c> scenario, one event each, one after the other.</summary>
    public int FanoutEvents { get; init; } = 10;

    /// <summary>Events per second the <c>latency</c> scenario publishes, on a fixed schedule.</summary>
    public int Rate { get; init; } = 1_000;

    /// <summary>How long the <c>latency</c> scenario publishes.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pending deliveries the <c>backlog</c> scenario stores before measuring again.</summary>
    public int Backlog { get; init; } = 1_000_000;

    /// <summary>How long the receiver may take to get every delivery before the run fails.</summary>
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The naive sender is slow by design; more messages would only make the run longer.</summary>
    public int NaiveCap { get; init; } = 5_000;
}

/// <summary>A run that cannot go on or did not finish: printed as one line, exit code 1.</summary>
public sealed class BenchException(string message) : Exception(message);

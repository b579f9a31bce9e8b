namespace Herald.Bench;

/// <summary>How one <c>herald bench</c> run is sized (DESIGN §9).</summary>
public sealed class BenchOptions
{
    public int Events { get; init; } = 20_000;
    public int Endpoints { get; init; } = 1;

    /// <summary>Null for a SQLite file in a fresh temporary data dir; <c>sqlite:PATH</c> for a new file elsewhere.</summary>
    public string? Database { get; init; }

    /// <summary>A scenario name, or <c>all</c>.</summary>
    public string Scenario { get; init; } = "throughput";

    /// <summary>Herald's <c>--workers</c>; the baselines send with the same concurrency.</summary>
    public int Workers { get; init; } = 64;

    /// <summary>Print only the JSON lines (no table, no progress).</summary>
    public bool Json { get; init; }

    /// <summary>Concurrent publishing tasks: enough to keep the API busy without swamping two cores.</summary>
    public int Publishers { get; init; } = 16;

    /// <summary>How long the receiver may take to get every delivery before the run fails.</summary>
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The naive sender is slow by design; more messages would only make the run longer.</summary>
    public int NaiveCap { get; init; } = 5_000;
}

/// <summary>A run that cannot go on or did not finish: printed as one line, exit code 1.</summary>
public sealed class BenchException(string message) : Exception(message);

namespace Herald.Core.Policies;

/// <summary>The circuit breaker and auto-disable settings of an endpoint.</summary>
/// <param name="FailureThreshold">Consecutive failed requests that open the circuit.</param>
/// <param name="ProbeInterval">While the circuit is open, one request is let through this often.</param>
/// <param name="AutoDisableAfter">An endpoint whose every request failed for this long is disabled.</param>
public sealed record HealthPolicy(int FailureThreshold, TimeSpan ProbeInterval, TimeSpan AutoDisableAfter);

/// <summary>An endpoint's health as stored: enabled or not, its circuit, and its run of failures.</summary>
/// <param name="Enabled">False once disabled (by a user, a 410 or auto-disable).</param>
/// <param name="CircuitOpen">True while the breaker holds the endpoint's backlog back.</param>
/// <param name="ConsecutiveFailures">Failed requests since the last success.</param>
/// <param name="FailingSince">When the first of those failures happened; null after a success.</param>
public readonly record struct EndpointStanding(bool Enabled, bool CircuitOpen, long ConsecutiveFailures, DateTimeOffset? FailingSince)
{
    /// <summary>No failure counted and the circuit closed.</summary>
    public bool IsHealthy => !CircuitOpen && ConsecutiveFailures == 0 && FailingSince is null;
}

/// <summary>What one request said about its endpoint. A failed batch is one request.</summary>
/// <param name="Acknowledged">The receiver answered with success.</param>
/// <param name="GoneReason">Set when the receiver said the endpoint is gone for good (410): why it is disabled.</param>
public readonly record struct RequestVerdict(bool Acknowledged, string? GoneReason = null)
{
    /// <summary>A 2xx.</summary>
    public static RequestVerdict Success => new(true);

    /// <summary>Anything but a 2xx or a 410: an error status, a timeout, a refused connection.</summary>
    public static RequestVerdict Failure => new(false);

    /// <summary>A 410: disable the endpoint, saying <paramref name="reason"/>.</summary>
    public static RequestVerdict Gone(string reason) => new(false, reason);
}

/// <summary>What a request does to its endpoint's standing, decided by <see cref="EndpointHealthRules.Decide"/>; storage writes it.</summary>
public abstract record HealthDecision
{
    private HealthDecision()
    {
    }

    /// <summary>Nothing to write: a success on a healthy endpoint.</summary>
    public sealed record Unchanged : HealthDecision;

    /// <summary>A success after failures: the run of failures ends and, when it was open, the circuit closes and the backlog is released.</summary>
    public sealed record Recovered(bool ClosesCircuit) : HealthDecision;

    /// <summary>A failure counted: <paramref name="OpensCircuit"/> when this one reaches the threshold; <paramref name="NextProbeAt"/> is set while the circuit is (or becomes) open.</summary>
    public sealed record FailureCounted(long ConsecutiveFailures, DateTimeOffset FailingSince, bool OpensCircuit, DateTimeOffset? NextProbeAt) : HealthDecision;

    /// <summary>The endpoint is disabled, for <paramref name="Reason"/>: its circuit closes and its backlog waits until it is enabled again.</summary>
    public sealed record Disabled(string Reason, long ConsecutiveFailures, DateTimeOffset FailingSince) : HealthDecision;
}

/// <summary>
/// The circuit breaker and auto-disable, as one pure function of an endpoint's standing and what
/// its latest request said. Storage reads the standing under a lock, asks, and writes the answer.
/// </summary>
public static class EndpointHealthRules
{
    /// <summary>True when <paramref name="verdict"/> cannot change <paramref name="standing"/>: a success on a healthy endpoint (no write, no lock).</summary>
    public static bool LeavesAlone(EndpointStanding standing, RequestVerdict verdict) => verdict.Acknowledged && standing.IsHealthy;

    /// <summary>Decides what one request does to its endpoint.</summary>
    public static HealthDecision Decide(EndpointStanding standing, RequestVerdict verdict, HealthPolicy policy, DateTimeOffset now)
    {
        if (verdict.Acknowledged)
        {
            return standing.IsHealthy ? new HealthDecision.Unchanged() : new HealthDecision.Recovered(ClosesCircuit: standing.CircuitOpen);
        }

        var failures = standing.ConsecutiveFailures + 1;
        var failingSince = standing.FailingSince ?? now;
        var reason = verdict.GoneReason;
        if (reason is null && now - failingSince >= policy.AutoDisableAfter)
        {
            reason = $"Every attempt failed since {Times.Format(failingSince)}, with no success for {Durations.Format(policy.AutoDisableAfter)}.";
        }
        if (reason is not null && standing.Enabled)
        {
            return new HealthDecision.Disabled(reason, failures, failingSince);
        }
        var opens = !standing.CircuitOpen && failures >= policy.FailureThreshold;
        var nextProbe = opens || standing.CircuitOpen ? now + policy.ProbeInterval : (DateTimeOffset?)null;
        return new HealthDecision.FailureCounted(failures, failingSince, opens, nextProbe);
    }
}

namespace Herald.Core;

/// <summary>
/// An endpoint's retry schedule: <see cref="Schedule"/>[i] is the delay after the (i+1)-th failed
/// attempt, so a delivery gets <c>Schedule.Count + 1</c> attempts. Each delay is spread by
/// ±<see cref="Jitter"/> (a fraction, 0.1 = ±10 %) so that receivers recovering from an outage are
/// not hit by every retry in the same instant.
/// </summary>
/// <param name="Schedule">Delays after the 1st, 2nd, … failed attempt.</param>
/// <param name="Jitter">Relative spread of each delay; the API accepts 0 to 0.5.</param>
public sealed record RetryPolicy(IReadOnlyList<TimeSpan> Schedule, double Jitter)
{
    /// <summary>The largest jitter the API accepts.</summary>
    public const double MaxJitter = 0.5;

    /// <summary>5s, 5m, 30m, 2h, 5h, 10h, 10h with 10 % jitter: 8 attempts over about 28 hours.</summary>
    public static RetryPolicy Default { get; } = new(
        Array.AsReadOnly(new[]
        {
            TimeSpan.FromSeconds(5),
            TimeSpan.FromMinutes(5),
            TimeSpan.FromMinutes(30),
            TimeSpan.FromHours(2),
            TimeSpan.FromHours(5),
            TimeSpan.FromHours(10),
            TimeSpan.FromHours(10),
        }),
        0.1);

    /// <summary>Scheduled attempts in total: the first one plus one per schedule entry.</summary>
    public int MaxAttempts => Schedule.Count + 1;

    /// <summary>
    /// The jittered delay before the next attempt once <paramref name="failedAttempts"/> scheduled
    /// attempts have failed (after the 1st failure, <c>Schedule[0]</c>); null when the schedule is
    /// exhausted and the delivery should end <c>failed</c>.
    /// </summary>
    /// <param name="failedAttempts">Scheduled attempts that have failed so far, at least 1.</param>
    /// <param name="random01">A uniform random number in [0, 1]: 0 gives the shortest delay, 1 the longest.</param>
    public TimeSpan? DelayAfter(int failedAttempts, double random01)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        if (!(random01 >= 0 && random01 <= 1))
            throw new ArgumentOutOfRangeException(nameof(random01), random01, "Must be between 0 and 1.");
        if (failedAttempts > Schedule.Count)
            return null;

        var delay = Schedule[failedAttempts - 1];
        var ticks = delay.Ticks * (1 + Jitter * (2 * random01 - 1));
        if (!(ticks > 0))
            return TimeSpan.Zero;
        return ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Policies are equal when their schedules hold the same delays and their jitter is equal.</summary>
    public bool Equals(RetryPolicy? other)
        => other is not null
           && Jitter.Equals(other.Jitter)
           && (ReferenceEquals(Schedule, other.Schedule) || Schedule.SequenceEqual(other.Schedule));

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Jitter);
        foreach (var delay in Schedule)
            hash.Add(delay);
        return hash.ToHashCode();
    }
}

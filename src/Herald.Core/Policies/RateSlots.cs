namespace Herald.Core.Policies;

/// <summary>
/// An endpoint's rate-limit state, in microseconds since the epoch: when the next send may leave,
/// and the end of the queue of deliveries already told to come back later.
/// </summary>
public readonly record struct RateState(long NextFreeUs, long QueueUntilUs);

/// <summary>The answer to a send asking for a slot: go now, or come back at <paramref name="TurnUs"/>; with the state to store either way.</summary>
public readonly record struct SlotVerdict(bool SendNow, RateState State, long TurnUs);

/// <summary>
/// The rate limit as a pure function: a send may go only when the previous one left at least one
/// spacing ago, measured from the actual send, so deliveries that come back late can never crowd a
/// window. One that must wait is given a turn at the end of a queue, so waiting deliveries spread
/// out instead of all returning at once; at its turn it asks again.
/// </summary>
public static class RateSlots
{
    /// <summary>Sends are spaced this much wider than 1/rate: the limit is a ceiling, never a target.</summary>
    public const double Margin = 1.1;

    /// <summary>The time between two sends at <paramref name="ratePerSecond"/>, in microseconds.</summary>
    public static long SpacingUs(double ratePerSecond)
    {
        if (!(ratePerSecond > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond), ratePerSecond, "must be positive");
        }
        return (long)Math.Ceiling(Margin * 1_000_000 / ratePerSecond);
    }

    /// <summary>How early a send may go: well inside the margin, and never more than 2 ms.</summary>
    public static long ToleranceUs(long spacingUs) => Math.Min(2_000, spacingUs / 20);

    /// <summary>Decides whether a send at <paramref name="nowUs"/> may go, given the endpoint's <paramref name="state"/>.</summary>
    public static SlotVerdict Take(RateState state, long nowUs, double ratePerSecond)
    {
        var spacing = SpacingUs(ratePerSecond);
        if (nowUs >= state.NextFreeUs - ToleranceUs(spacing))
        {
            var nextFree = Math.Max(state.NextFreeUs, nowUs) + spacing;
            return new SlotVerdict(true, new RateState(nextFree, Math.Max(state.QueueUntilUs, nextFree)), nowUs);
        }
        var turn = Math.Max(state.QueueUntilUs, state.NextFreeUs);
        return new SlotVerdict(false, new RateState(state.NextFreeUs, turn + spacing), turn);
    }
}

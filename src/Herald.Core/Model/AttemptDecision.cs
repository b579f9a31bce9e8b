namespace Herald.Core.Model;

/// <summary>What an attempt's result means for its delivery.</summary>
public sealed record AttemptDecision(DeliveryStatus Status, int ScheduledFailures, DateTimeOffset? NextAttemptAt, bool Gone);

/// <summary>
/// The retry rules (docs/guarantees.md) in one pure function: 2xx acknowledges, 410 ends the delivery
/// and disables the endpoint, anything else (or no response) schedules the next attempt until the
/// schedule runs out. A manual attempt never consumes a scheduled one.
/// </summary>
public static class AttemptRules
{
    /// <param name="status">The HTTP status, or null when no response came back.</param>
    /// <param name="retryAfter">A parsed Retry-After delay of a 429 or 503 response.</param>
    /// <param name="previous">The delivery's status before this attempt.</param>
    /// <param name="manual">True for an attempt outside the schedule (retry button, resend).</param>
    /// <param name="dueAt">When the delivery was due before a manual attempt (kept if that attempt fails).</param>
    /// <param name="scheduledFailures">Scheduled attempts that failed before this one.</param>
    /// <param name="policy">The endpoint's retry policy.</param>
    /// <param name="now">When the attempt finished.</param>
    /// <param name="random01">A uniform random number in [0, 1] for jitter.</param>
    public static AttemptDecision Decide(
        int? status,
        TimeSpan? retryAfter,
        DeliveryStatus previous,
        bool manual,
        DateTimeOffset? dueAt,
        int scheduledFailures,
        RetryPolicy policy,
        DateTimeOffset now,
        double random01)
    {
        if (status is >= 200 and < 300)
        {
            return new AttemptDecision(DeliveryStatus.Succeeded, scheduledFailures, null, false);
        }
        var gone = status == 410;
        if (manual)
        {
            // A resend of a succeeded delivery, or one more try of a failed one, leaves it where it was;
            // a pending delivery keeps its schedule untouched.
            return previous switch
            {
                DeliveryStatus.Succeeded => new AttemptDecision(DeliveryStatus.Succeeded, scheduledFailures, null, gone),
                DeliveryStatus.Pending when !gone => new AttemptDecision(DeliveryStatus.Pending, scheduledFailures, dueAt ?? now, false),
                _ => new AttemptDecision(DeliveryStatus.Failed, scheduledFailures, null, gone),
            };
        }
        if (gone)
        {
            return new AttemptDecision(DeliveryStatus.Failed, scheduledFailures + 1, null, true);
        }
        var failures = scheduledFailures + 1;
        if (policy.DelayAfter(failures, random01) is not { } delay)
        {
            return new AttemptDecision(DeliveryStatus.Failed, failures, null, false);
        }
        var honoured = status is 429 or 503 ? retryAfter : null;
        return new AttemptDecision(DeliveryStatus.Pending, failures, RetryAfter.NextAttemptAt(now, delay, honoured), false);
    }
}

using System.Globalization;

namespace Herald.Core;

/// <summary>
/// The receiver's <c>Retry-After</c> header (RFC 9110 §10.2.3) on a 429 or 503 response.
/// Herald honours it only when it asks for more patience than the schedule, and never waits
/// longer than <see cref="Cap"/> on a receiver's say-so.
/// </summary>
public static class RetryAfter
{
    /// <summary>The longest delay a <c>Retry-After</c> header can impose.</summary>
    public static readonly TimeSpan Cap = TimeSpan.FromHours(1);

    // RFC 9110 §5.6.7: recipients must accept the two obsolete forms besides IMF-fixdate.
    private static readonly string[] HttpDateFormats =
    [
        "r",
        "dddd, dd-MMM-yy HH':'mm':'ss 'GMT'",
        "ddd MMM d HH':'mm':'ss yyyy",
    ];

    /// <summary>
    /// The delay a header asks for: delay-seconds or an HTTP-date relative to <paramref name="now"/>
    /// (a date in the past means zero), capped at <see cref="Cap"/>; null when absent or malformed.
    /// </summary>
    public static TimeSpan? Parse(string? headerValue, DateTimeOffset now)
    {
        if (headerValue is null)
            return null;
        var text = headerValue.AsSpan().Trim();
        if (text.IsEmpty)
            return null;

        if (char.IsAsciiDigit(text[0]))
        {
            if (text.ContainsAnyExceptInRange('0', '9'))
                return null;
            // Any all-digit value is valid delay-seconds; one too large for a long is simply "a lot".
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                   && seconds < Cap.TotalSeconds
                ? TimeSpan.FromSeconds(seconds)
                : Cap;
        }

        if (!DateTimeOffset.TryParseExact(text, HttpDateFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AllowInnerWhite | DateTimeStyles.AssumeUniversal, out var date))
            return null;

        var delay = date - now;
        if (delay <= TimeSpan.Zero)
            return TimeSpan.Zero;
        return delay < Cap ? delay : Cap;
    }

    /// <summary>
    /// When the next attempt is due: <paramref name="now"/> plus the scheduled (already jittered)
    /// delay, or plus <paramref name="retryAfter"/> when that is later. Jitter is never applied to
    /// <c>Retry-After</c>, because the receiver named the moment it can take traffic again.
    /// </summary>
    public static DateTimeOffset NextAttemptAt(DateTimeOffset now, TimeSpan scheduledDelay, TimeSpan? retryAfter)
        => now + (retryAfter is { } requested && requested > scheduledDelay ? requested : scheduledDelay);
}

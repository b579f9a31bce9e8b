using System.Globalization;

namespace Herald.Core;

/// <summary>Herald's one time format: RFC 3339 UTC with milliseconds.</summary>
public static class Times
{
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string? Format(DateTimeOffset? time) => time is { } t ? Format(t) : null;

    /// <summary>Accepts RFC 3339 with an offset or Z; a time without an offset is ambiguous and refused.</summary>
    public static bool TryParse(string? text, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length < 20)
        {
            return false;
        }
        var last = text[^1];
        var hasOffset = last is 'Z' or 'z' || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        if (!hasOffset || text[10] is not ('T' or 't'))
        {
            return false;
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out time))
        {
            return false;
        }
        time = time.ToUniversalTime();
        return true;
    }

    public static long ToUnixMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromUnixMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>Truncates to whole milliseconds, the precision Herald stores.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) => FromUnixMs(ToUnixMs(time));
}

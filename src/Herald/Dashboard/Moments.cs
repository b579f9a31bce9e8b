using System.Globalization;
using Herald.Core;
using Herald.Core.Validation;

namespace Herald.Dashboard;

/// <summary>
/// Times in forms. A browser's date-time field sends no offset; the dashboard says UTC next to every
/// such field and reads it as UTC. RFC 3339 with an offset, as the API takes it, is accepted too.
/// </summary>
internal static class Moments
{
    private static readonly string[] LocalFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.fff", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd"];

    /// <summary>The value of a date-time field for <paramref name="time"/>, in UTC.</summary>
    public static string Local(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    public static DateTimeOffset? Read(string? text, string field, ValidationErrors errors, bool required)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            if (required)
            {
                errors.Add(field, "is required");
            }
            return null;
        }
        if (DateTime.TryParseExact(text, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc))
        {
            return new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
        }
        if (Times.TryParse(text, out var time))
        {
            return time;
        }
        errors.Add(field, "must be a date and time in UTC (2026-11-22T23:15) or RFC 3339 with an offset (2026-11-22T23:15:00Z)");
        return null;
    }
}

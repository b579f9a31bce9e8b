using System.Globalization;

namespace Herald.Core;

/// <summary>
/// The duration syntax of the API and options: a non-negative integer immediately
/// followed by a lowercase unit <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c>
/// (<c>"100s"</c>, <c>"5m"</c>). A bare number is refused so that no one guesses the unit.
/// </summary>
public static class Durations
{
    /// <summary>Parses a duration; false on anything but digits and one known unit, or on overflow.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (!Units.TrySplit(text, out var number, out var unit))
            return false;

        long ticksPerUnit = unit switch
        {
            "ms" => TimeSpan.TicksPerMillisecond,
            "s" => TimeSpan.TicksPerSecond,
            "m" => TimeSpan.TicksPerMinute,
            "h" => TimeSpan.TicksPerHour,
            "d" => TimeSpan.TicksPerDay,
            _ => 0,
        };
        if (ticksPerUnit == 0 || number > TimeSpan.MaxValue.Ticks / ticksPerUnit)
            return false;

        value = TimeSpan.FromTicks(number * ticksPerUnit);
        return true;
    }

    /// <summary>
    /// Writes a duration in the largest unit that divides it exactly (<c>300s</c> → <c>"5m"</c>,
    /// zero → <c>"0s"</c>). Precision below a millisecond is dropped.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The duration is negative.</exception>
    public static string Format(TimeSpan value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
        var ms = value.Ticks / TimeSpan.TicksPerMillisecond;
        if (ms == 0)
            return "0s";

        (long size, string unit) = ms switch
        {
            _ when ms % 86_400_000 == 0 => (86_400_000L, "d"),
            _ when ms % 3_600_000 == 0 => (3_600_000L, "h"),
            _ when ms % 60_000 == 0 => (60_000L, "m"),
            _ when ms % 1_000 == 0 => (1_000L, "s"),
            _ => (1L, "ms"),
        };
        return (ms / size).ToString(CultureInfo.InvariantCulture) + unit;
    }
}

internal static class Units
{
    /// <summary>Splits "123unit" into its number and unit; no sign, no spaces, no decimals.</summary>
    public static bool TrySplit(string? text, out long number, out ReadOnlySpan<char> unit)
    {
        number = 0;
        unit = default;
        if (string.IsNullOrEmpty(text))
            return false;

        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
            digits++;
        if (digits == 0 || digits == text.Length)
            return false;

        foreach (var c in text.AsSpan(0, digits))
        {
            var digit = c - '0';
            if (number > (long.MaxValue - digit) / 10)
                return false;
            number = number * 10 + digit;
        }

        unit = text.AsSpan(digits);
        return true;
    }
}

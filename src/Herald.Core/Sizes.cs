using System.Globalization;

namespace Herald.Core;

/// <summary>
/// The size syntax of the API and options: a non-negative integer immediately followed by
/// <c>B</c>, <c>KiB</c> or <c>MiB</c> (<c>"1MiB"</c> is 1 048 576 bytes). Units are case-sensitive
/// so that <c>mb</c> versus <c>MiB</c> is never silently ambiguous.
/// </summary>
public static class Sizes
{
    /// <summary>Parses a size; false on anything but digits and one known unit, or on overflow.</summary>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (!Units.TrySplit(text, out var number, out var unit))
            return false;

        long multiplier = unit switch
        {
            "B" => 1,
            "KiB" => 1024,
            "MiB" => 1024 * 1024,
            _ => 0,
        };
        if (multiplier == 0 || number > long.MaxValue / multiplier)
            return false;

        bytes = number * multiplier;
        return true;
    }

    /// <summary>Writes a size in the largest unit that divides it exactly (<c>1048576</c> → <c>"1MiB"</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is negative.</exception>
    public static string Format(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes != 0 && bytes % (1024 * 1024) == 0)
            return (bytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + "MiB";
        if (bytes != 0 && bytes % 1024 == 0)
            return (bytes / 1024).ToString(CultureInfo.InvariantCulture) + "KiB";
        return bytes.ToString(CultureInfo.InvariantCulture) + "B";
    }
}

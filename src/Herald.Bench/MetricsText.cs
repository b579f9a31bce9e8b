using System.Globalization;

namespace Herald.Bench;

/// <summary>Reads one unlabelled sample from Prometheus text exposition, as <c>/metrics</c> serves it.</summary>
public static class MetricsText
{
    /// <summary>The value of the sample named <paramref name="name"/> without labels, or null when there is none.</summary>
    public static long? Value(string text, string name)
    {
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries))
        {
            if (line.Length > name.Length && line.StartsWith(name, StringComparison.Ordinal) && line[name.Length] == ' '
                && double.TryParse(line.AsSpan(name.Length + 1).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return (long)value;
            }
        }
        return null;
    }
}

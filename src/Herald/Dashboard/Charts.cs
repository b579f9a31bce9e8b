using System.Globalization;
using System.Text;
using static Herald.Dashboard.Html;

namespace Herald.Dashboard;

/// <summary>
/// Charts as inline SVG drawn on the server: no chart library, no script, nothing fetched. Each
/// chart has a text alternative (role="img" with a label) and the page adds its data as a table.
/// </summary>
internal static class Charts
{
    private const int Width = 720;
    private const int Height = 240;
    private const int Left = 52;
    private const int Right = 12;
    private const int Top = 12;
    private const int Bottom = 30;
    private const int PlotWidth = Width - Left - Right;
    private const int PlotHeight = Height - Top - Bottom;

    /// <summary>One series of a chart: a name, its colour, and one value per bucket (null: no data).</summary>
    public sealed record Series(string Name, string Color, double?[] Values);

    /// <summary>Stacked bars, one per bucket, on a linear axis from 0.</summary>
    public static Markup StackedBars(string label, IReadOnlyList<Series> series, IReadOnlyList<DateTimeOffset> bucketStarts, string unit)
    {
        var count = bucketStarts.Count;
        var totals = Enumerable.Range(0, count).Select(i => series.Sum(s => s.Values[i] ?? 0)).ToArray();
        var max = NiceCeiling(totals.DefaultIfEmpty(0).Max());
        var svg = new StringBuilder();
        Open(svg, label);
        for (var tick = 0; tick <= 4; tick++)
        {
            var value = max * tick / 4;
            GridLine(svg, Y(value / max), Number(value));
        }
        var slot = (double)PlotWidth / count;
        var barWidth = Math.Max(1, slot * 0.8);
        for (var i = 0; i < count; i++)
        {
            double stacked = 0;
            foreach (var s in series)
            {
                var value = s.Values[i] ?? 0;
                if (value <= 0)
                {
                    continue;
                }
                var y0 = Y(stacked / max);
                var y1 = Y((stacked + value) / max);
                stacked += value;
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(Left + (i * slot) + ((slot - barWidth) / 2))}\" y=\"{F(y1)}\" width=\"{F(barWidth)}\" height=\"{F(Math.Max(0.5, y0 - y1))}\" fill=\"{s.Color}\">")
                    .Append("<title>").Append(Encode($"{Clock(bucketStarts[i])} {s.Name}: {Number(value)} {unit}")).Append("</title></rect>");
            }
        }
        TimeAxis(svg, bucketStarts, slot);
        return Close(svg);
    }

    /// <summary>Lines on a logarithmic millisecond axis (1 ms to 60 s): latencies spread over orders of magnitude.</summary>
    public static Markup LatencyLines(string label, IReadOnlyList<Series> series, IReadOnlyList<DateTimeOffset> bucketStarts)
    {
        const double MinMs = 1;
        const double MaxMs = 60_000;
        var count = bucketStarts.Count;
        var svg = new StringBuilder();
        Open(svg, label);
        foreach (var tick in (double[])[1, 10, 100, 1000, 10_000, 60_000])
        {
            GridLine(svg, Y(Math.Log10(tick / MinMs) / Math.Log10(MaxMs / MinMs)), tick >= 1000 ? Number(tick / 1000) + " s" : Number(tick) + " ms");
        }
        var slot = (double)PlotWidth / count;
        foreach (var s in series)
        {
            var path = new StringBuilder();
            var pen = false;
            for (var i = 0; i < count; i++)
            {
                if (s.Values[i] is not { } ms)
                {
                    pen = false;
                    continue;
                }
                var x = Left + (i * slot) + (slot / 2);
                var y = Y(Math.Log10(Math.Clamp(ms, MinMs, MaxMs) / MinMs) / Math.Log10(MaxMs / MinMs));
                path.Append(pen ? " L" : " M").Append(F(x)).Append(' ').Append(F(y));
                pen = true;
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(x)}\" cy=\"{F(y)}\" r=\"2.5\" fill=\"{s.Color}\">")
                    .Append("<title>").Append(Encode($"{Clock(bucketStarts[i])} {s.Name}: {Number(ms)} ms")).Append("</title></circle>");
            }
            if (path.Length > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{path.ToString().Trim()}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2\"/>");
            }
        }
        TimeAxis(svg, bucketStarts, slot);
        return Close(svg);
    }

    private static void Open(StringBuilder svg, string label) =>
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{Encode(label)}\" font-family=\"system-ui, sans-serif\" font-size=\"11\">")
           .Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{PlotWidth}\" height=\"{PlotHeight}\" fill=\"#ffffff\" stroke=\"#d0d7de\"/>");

    private static Markup Close(StringBuilder svg) => new(svg.Append("</svg>").ToString());

    private static void GridLine(StringBuilder svg, double y, string text) =>
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Left + PlotWidth}\" y1=\"{F(y)}\" y2=\"{F(y)}\" stroke=\"#eaeef2\"/>")
           .Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\" fill=\"#57606a\">{Encode(text)}</text>");

    private static void TimeAxis(StringBuilder svg, IReadOnlyList<DateTimeOffset> bucketStarts, double slot)
    {
        var count = bucketStarts.Count;
        var every = Math.Max(1, (int)Math.Ceiling(count / 6.0));
        for (var i = 0; i < count; i += every)
        {
            var x = Left + (i * slot);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" x2=\"{F(x)}\" y1=\"{Top + PlotHeight}\" y2=\"{Top + PlotHeight + 4}\" stroke=\"#57606a\"/>")
               .Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{Height - 10}\" text-anchor=\"middle\" fill=\"#57606a\">{Clock(bucketStarts[i])}</text>");
        }
    }

    private static double Y(double fraction) => Top + PlotHeight - (Math.Clamp(fraction, 0, 1) * PlotHeight);

    /// <summary>1, 2 or 5 times a power of ten at or above <paramref name="value"/>, so the axis reads in round numbers.</summary>
    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in (double[])[1, 2, 5, 10])
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }
        return 10 * power;
    }

    public static string Clock(DateTimeOffset time) => time.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture);

    public static string Number(double value) => value.ToString(value >= 100 || value == Math.Floor(value) ? "0" : "0.##", CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}

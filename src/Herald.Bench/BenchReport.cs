using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Herald.Core;

namespace Herald.Bench;

/// <summary>One scenario's figures with the run's baselines: one JSON line, one table column.</summary>
public sealed record BenchResult(
    string Scenario,
    BenchOptions Options,
    ScenarioMeasurement Measurement,
    BaselineResult Baselines,
    double PeakRssMb,
    bool PeakRssOfScenario,
    DateTimeOffset StartedAt)
{
    public double RatioHttp => Baselines.Http.PerSecond > 0 ? Measurement.DeliveredPerSecond / Baselines.Http.PerSecond : 0;

    public double RatioNaive => Baselines.Naive.PerSecond > 0 ? Measurement.DeliveredPerSecond / Baselines.Naive.PerSecond : 0;

    /// <summary>The version of the herald that ran the bench.</summary>
    public string HeraldVersion { get; init; } = "";
}

/// <summary>Writes results as the table people read and the JSON lines scripts compare (docs/benchmarks.md, "Output").</summary>
public static class BenchReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>"Release" or "Debug": a Debug build's figures are not worth comparing, so the output says which it was.</summary>
    public static string Configuration { get; } =
        typeof(BenchReport).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true ? "Debug" : "Release";

    public static string JsonLine(BenchResult r)
    {
        var m = r.Measurement;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("scenario", r.Scenario);
            json.WriteString("backend", m.Backend);
            json.WriteString("topology", m.Topology);
            json.WriteNumber("processes", m.Processes);
            json.WriteNumber("events", m.Events);
            json.WriteNumber("endpoints", m.Endpoints);
            json.WriteNumber("deliveries", (long)m.Events * m.Endpoints);
            json.WriteNumber("delivered", m.Delivered);
            json.WriteNumber("workers", r.Options.Workers);
            json.WriteNumber("publishers", r.Options.Publishers);
            json.WriteNumber("accepted_per_s", Math.Round(m.AcceptedPerSecond, 1));
            json.WriteNumber("delivered_per_s", Math.Round(m.DeliveredPerSecond, 1));
            json.WriteNumber("publish_p50_ms", Math.Round(m.PublishP50Ms, 2));
            json.WriteNumber("publish_p99_ms", Math.Round(m.PublishP99Ms, 2));
            json.WriteNumber("e2e_p50_ms", Math.Round(m.EndToEndP50Ms, 2));
            json.WriteNumber("e2e_p99_ms", Math.Round(m.EndToEndP99Ms, 2));
            json.WriteNumber("duration_s", Math.Round(m.DurationSeconds, 2));
            json.WriteNumber("peak_rss_mb", Math.Round(r.PeakRssMb, 1));
            json.WriteString("peak_rss_scope", r.PeakRssOfScenario ? "scenario" : "process");
            json.WriteNumber("cpu_ms_per_delivery", Math.Round(m.CpuMsPerDelivery, 3));
            if (double.IsNaN(m.DatabaseRoundTripsPerEvent))
            {
                json.WriteNull("db_round_trips_per_event");
            }
            else
            {
                json.WriteNumber("db_round_trips_per_event", Math.Round(m.DatabaseRoundTripsPerEvent, 2));
            }
            json.WriteNumber("baseline_http_per_s", Math.Round(r.Baselines.Http.PerSecond, 1));
            json.WriteNumber("baseline_http_cpu_ms", Math.Round(r.Baselines.Http.CpuMsPerMessage, 3));
            json.WriteNumber("baseline_naive_per_s", Math.Round(r.Baselines.Naive.PerSecond, 1));
            json.WriteNumber("baseline_naive_cpu_ms", Math.Round(r.Baselines.Naive.CpuMsPerMessage, 3));
            json.WriteNumber("baseline_naive_messages", r.Baselines.Naive.Messages);
            json.WriteNumber("ratio_http", Math.Round(r.RatioHttp, 3));
            json.WriteNumber("ratio_naive", Math.Round(r.RatioNaive, 3));
            foreach (var (name, value) in m.Extra)
            {
                json.WriteNumber(name, value);
            }
            json.WriteStartObject("machine");
            json.WriteNumber("cores", Environment.ProcessorCount);
            json.WriteString("os", RuntimeInformation.OSDescription);
            json.WriteString("arch", RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant());
            json.WriteString("runtime", RuntimeInformation.FrameworkDescription);
            json.WriteEndObject();
            json.WriteString("configuration", Configuration);
            json.WriteString("herald_version", r.HeraldVersion);
            json.WriteString("started_at", Times.Format(r.StartedAt));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>One row per figure, one column per scenario: scenarios added later widen the table, not lengthen its lines.</summary>
    public static string Table(IReadOnlyList<BenchResult> results)
    {
        var rows = new List<(string Label, Func<BenchResult, string> Value)>
        {
            ("scenario", r => r.Scenario),
            ("backend", r => $"{r.Measurement.Backend}, {r.Measurement.Topology}"),
            ("events × endpoints", r => $"{r.Measurement.Events:N0} × {r.Measurement.Endpoints:N0}"),
            ("workers / publishers", r => $"{r.Options.Workers} / {r.Options.Publishers}"),
            ("accepted/s", r => Rate(r.Measurement.AcceptedPerSecond)),
            ("delivered/s", r => Rate(r.Measurement.DeliveredPerSecond)),
            ("publish p50 / p99 ms", r => $"{Ms(r.Measurement.PublishP50Ms)} / {Ms(r.Measurement.PublishP99Ms)}"),
            ("e2e p50 / p99 ms", r => $"{Ms(r.Measurement.EndToEndP50Ms)} / {Ms(r.Measurement.EndToEndP99Ms)}"),
            ("duration s", r => r.Measurement.DurationSeconds.ToString("0.0", Invariant)),
            ("peak RSS MB", r => r.PeakRssMb.ToString("0", Invariant)),
            ("CPU ms / delivery", r => r.Measurement.CpuMsPerDelivery.ToString("0.00", Invariant)),
            ("db round trips / event", r => double.IsNaN(r.Measurement.DatabaseRoundTripsPerEvent) ? "n/a" : r.Measurement.DatabaseRoundTripsPerEvent.ToString("0.0", Invariant)),
            ("baseline http/s", r => $"{Rate(r.Baselines.Http.PerSecond)} ({r.Baselines.Http.CpuMsPerMessage.ToString("0.00", Invariant)} CPU ms each)"),
            ("baseline naive/s", r => $"{Rate(r.Baselines.Naive.PerSecond)} ({r.Baselines.Naive.Messages:N0} msgs, {r.Baselines.Naive.CpuMsPerMessage.ToString("0.00", Invariant)} CPU ms each)"),
            ("delivered / http", r => r.RatioHttp.ToString("0.00", Invariant)),
            ("delivered / naive", r => r.RatioNaive.ToString("0.00", Invariant)),
        };
        // The figures only some scenarios have, one row each, "-" where a scenario has none.
        foreach (var name in results.SelectMany(r => r.Measurement.Extra.Select(e => e.Key)).Distinct())
        {
            rows.Add((name.Replace('_', ' '), r => r.Measurement.Extra.FirstOrDefault(e => e.Key == name) is { Key: not null } e
                ? e.Value.ToString(Math.Abs(e.Value) >= 100 ? "N0" : "0.###", Invariant)
                : "-"));
        }
        var cells = rows.Select(row => (row.Label, Values: results.Select(row.Value).ToArray())).ToList();
        var labelWidth = cells.Max(c => c.Label.Length);
        var widths = Enumerable.Range(0, results.Count).Select(i => cells.Max(c => c.Values[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var (label, values) in cells)
        {
            text.Append(label.PadRight(labelWidth));
            for (var i = 0; i < values.Length; i++)
            {
                text.Append("  ").Append(values[i].PadLeft(widths[i]));
            }
            text.Append('\n');
        }
        text.Append(Invariant, $"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {Configuration} build\n");
        text.Append("Herald, the publishers and the receiver share this process and its cores; figures are comparable as ratios to the baselines, measured once for the whole run.\n");
        if (Configuration == "Debug")
        {
            text.Append("warning: a Debug build; run with -c Release for figures worth comparing.\n");
        }
        return text.ToString();
    }

    private static string Rate(double perSecond) => perSecond.ToString("N0", Invariant);

    private static string Ms(double ms) => ms.ToString(ms < 10 ? "0.00" : "0.0", Invariant);
}

/// <summary>Nearest-rank percentiles of sorted samples.</summary>
public static class Percentiles
{
    public static double Of(IReadOnlyList<double> sorted, double percentile)
    {
        if (sorted.Count == 0)
        {
            return 0;
        }
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}

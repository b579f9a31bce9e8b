using System.Globalization;
using Herald.Engine.Delivery;
using Herald.Storage;
using Herald.Storage.Ports;
using static Herald.Dashboard.Html;

namespace Herald.Dashboard;

/// <summary>The overview: deliveries per minute by outcome and attempt latency percentiles over the last hours.</summary>
internal static class OverviewPage
{
    /// <summary>The windows offered, and the width of a bar in each.</summary>
    private static readonly (int Hours, int BucketMinutes)[] Windows = [(1, 1), (6, 5), (24, 15)];

    private static readonly (string Outcome, string Label, string Color)[] Outcomes =
    [
        ("succeeded", "succeeded", "#1a7f37"),
        ("retrying", "retrying", "#bf8700"),
        ("failed", "failed", "#cf222e"),
    ];

    private static readonly (double Quantile, string Label, string Color)[] Percentiles =
    [
        (0.50, "p50", "#0b57d0"),
        (0.95, "p95", "#8250df"),
        (0.99, "p99", "#cf222e"),
    ];

    public static void Map(RouteGroupBuilder pages) => pages.MapGet("/", Show);

    private static async Task<IResult> Show(HttpContext context, IMonitoringReads store, EndpointCatalog catalog, TimeProvider time, int? hours)
    {
        var user = context.User();
        var orgId = user.Caller.OrgId;
        var (windowHours, bucketMinutes) = Windows.FirstOrDefault(w => w.Hours == hours, Windows[1]);
        var bucket = TimeSpan.FromMinutes(bucketMinutes);
        // The last bar ends at the next bucket boundary, so bars line up with the clock.
        var now = time.GetUtcNow();
        var until = DateTimeOffset.FromUnixTimeMilliseconds(((now.ToUnixTimeMilliseconds() / (long)bucket.TotalMilliseconds) + 1) * (long)bucket.TotalMilliseconds);
        var since = until - TimeSpan.FromHours(windowHours);
        var count = (int)(TimeSpan.FromHours(windowHours) / bucket);
        var starts = Enumerable.Range(0, count).Select(i => since + (i * bucket)).ToList();

        var outcomes = await store.DeliveryOutcomesAsync(orgId, since, until, bucket);
        var outcomeSeries = Outcomes.Select(o =>
        {
            var values = new double?[count];
            foreach (var row in outcomes.Where(r => r.Outcome == o.Outcome && r.Bucket >= 0 && r.Bucket < count))
            {
                values[row.Bucket] = (values[row.Bucket] ?? 0) + ((double)row.Count / bucketMinutes);
            }
            return new Charts.Series(o.Label, o.Color, values);
        }).ToList();
        long Total(string outcome) => outcomes.Where(r => r.Outcome == outcome).Sum(r => r.Count);
        var succeeded = Total("succeeded");
        var failed = Total("failed");
        var retrying = Total("retrying");

        var histogram = await store.LatencyHistogramAsync(orgId, since, until, bucket);
        var perBucket = new long[count][];
        for (var i = 0; i < count; i++)
        {
            perBucket[i] = new long[HeraldStore.LatencyBounds.Count + 1];
        }
        var overall = new long[HeraldStore.LatencyBounds.Count + 1];
        foreach (var cell in histogram.Where(c => c.Bucket >= 0 && c.Bucket < count && c.Class >= 0 && c.Class < overall.Length))
        {
            perBucket[cell.Bucket][cell.Class] += cell.Count;
            overall[cell.Class] += cell.Count;
        }
        var latencySeries = Percentiles.Select(p => new Charts.Series(p.Label, p.Color, [.. perBucket.Select(h => Percentile(h, p.Quantile))])).ToList();
        var attempts = overall.Sum();
        var endpointCount = (await catalog.ForOrgAsync(orgId)).Count;

        var windowLinks = Windows.Select(w => w.Hours == windowHours
            ? H($"<li><a href=\"/?hours={w.Hours}\" aria-current=\"true\">last {w.Hours} h</a></li>")
            : H($"<li><a href=\"/?hours={w.Hours}\">last {w.Hours} h</a></li>")).Join();
        var finished = succeeded + failed;
        var rate = finished == 0 ? "–" : (100.0 * succeeded / finished).ToString("0.#", CultureInfo.InvariantCulture) + " %";
        string Ms(double? value) => value is { } v ? Charts.Number(v) + " ms" : "–";
        var perMinute = bucketMinutes == 1 ? "per minute" : $"per minute (average over each {bucketMinutes}-minute bar)";

        var body = H($"""
            <h1>Overview</h1>
            <nav aria-label="Time window"><ul class="legend">{windowLinks}</ul></nav>
            <div class="cards">
            <div class="card"><div class="muted">Endpoints</div><div class="value">{endpointCount}</div></div>
            <div class="card"><div class="muted">Succeeded</div><div class="value" id="total-succeeded">{succeeded}</div></div>
            <div class="card"><div class="muted">Failed</div><div class="value" id="total-failed">{failed}</div></div>
            <div class="card"><div class="muted">Retrying</div><div class="value">{retrying}</div></div>
            <div class="card"><div class="muted">Success rate</div><div class="value">{rate}</div></div>
            <div class="card"><div class="muted">Latency p50 / p95 / p99</div><div class="value">{Ms(Percentile(overall, 0.5))}</div><div class="muted">{Ms(Percentile(overall, 0.95))} / {Ms(Percentile(overall, 0.99))}</div></div>
            </div>
            <section class="chart" aria-labelledby="outcomes-title">
            <h2 id="outcomes-title">Deliveries {perMinute}, by outcome</h2>
            <ul class="legend">{Outcomes.Select(o => H($"<li><span class=\"swatch s-{o.Outcome}\"></span>{o.Label}</li>")).Join()}</ul>
            {Charts.StackedBars($"Deliveries per minute by outcome over the last {windowHours} hours: {succeeded} succeeded, {retrying} retrying, {failed} failed.", outcomeSeries, starts, "per minute")}
            <p class="hint">Each delivery counts once, in the bar of its latest change: succeeded, failed (attempts exhausted), or retrying (waiting for its next attempt). Times in UTC.</p>
            {DataTable("Deliveries per minute", starts, outcomeSeries, v => Charts.Number(v))}
            </section>
            <section class="chart" aria-labelledby="latency-title">
            <h2 id="latency-title">Attempt latency percentiles</h2>
            <ul class="legend">{Percentiles.Select(p => H($"<li><span class=\"swatch s-{p.Label}\"></span>{p.Label}</li>")).Join()}</ul>
            {Charts.LatencyLines($"Attempt latency p50, p95 and p99 over the last {windowHours} hours, {attempts} attempts; overall p50 {Ms(Percentile(overall, 0.5))}, p99 {Ms(Percentile(overall, 0.99))}.", latencySeries, starts)}
            <p class="hint">Time from sending a request to its response or failure, on a logarithmic scale; percentiles are estimated from a histogram of {attempts} attempts.</p>
            {DataTable("Latency (ms)", starts, latencySeries, v => Charts.Number(v))}
            </section>
            """);
        return Layout.Page(user, "Overview", body, section: "/");
    }

    /// <summary>The chart's data as a table, for screen readers and exact figures; empty buckets are left out.</summary>
    private static Markup DataTable(string caption, IReadOnlyList<DateTimeOffset> starts, IReadOnlyList<Charts.Series> series, Func<double, string> format)
    {
        var rows = Enumerable.Range(0, starts.Count)
            .Where(i => series.Any(s => s.Values[i] is not null))
            .Select(i => H($"<tr><th scope=\"row\">{Charts.Clock(starts[i])}</th>{series.Select(s => H($"<td>{(s.Values[i] is { } v ? format(v) : "–")}</td>")).Join()}</tr>"))
            .ToList();
        if (rows.Count == 0)
        {
            return H($"<p class=\"muted\">No data in this window.</p>");
        }
        return H($"""
            <details><summary>{caption}: data table</summary>
            <div class="table-wrap"><table><thead><tr><th scope="col">From (UTC)</th>{series.Select(s => H($"<th scope=\"col\">{s.Name}</th>")).Join()}</tr></thead>
            <tbody>{rows.Join()}</tbody></table></div></details>
            """);
    }

    /// <summary>
    /// The <paramref name="quantile"/> of a latency histogram, interpolated inside its class (the
    /// slowest class ends at the longest timeout, 60 s); null when the histogram is empty.
    /// </summary>
    internal static double? Percentile(long[] histogram, double quantile)
    {
        var total = histogram.Sum();
        if (total == 0)
        {
            return null;
        }
        var rank = quantile * total;
        long seen = 0;
        for (var i = 0; i < histogram.Length; i++)
        {
            if (histogram[i] == 0)
            {
                continue;
            }
            if (seen + histogram[i] >= rank)
            {
                double lower = i == 0 ? 0 : HeraldStore.LatencyBounds[i - 1];
                double upper = i < HeraldStore.LatencyBounds.Count ? HeraldStore.LatencyBounds[i] : 60_000;
                return lower + ((upper - lower) * (rank - seen) / histogram[i]);
            }
            seen += histogram[i];
        }
        return HeraldStore.LatencyBounds[^1];
    }
}

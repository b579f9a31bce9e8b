using System.Diagnostics;
using System.Globalization;
using System.Net;
using Xunit.Abstractions;

namespace Herald.Tests.ProcessTests;

/// <summary>An idle server costs next to nothing: the dispatcher reads the database at most once a second.</summary>
public sealed class IdleTests(ITestOutputHelper output)
{
    private const string QueriesMetric = "herald_db_queries_total";

    [Fact]
    public async Task IdleServer_QueriesDatabaseAtMostOncePerSecond()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var herald = await HeraldProcess.StartReadyAsync();
        var sinceReady = Stopwatch.StartNew();
        await ProcessScenario.CreateEndpointAsync(herald.Client, receiver.Url("/hook"), ["1s"]);
        // The key's last use is written by a flush every 5 s after start; once that one has passed,
        // nothing but the dispatcher's poll is left.
        await Task.Delay(TimeSpan.FromSeconds(6.5) - sinceReady.Elapsed);

        var before = await ReadQueriesAsync(herald);
        // Just under 5 s between the two reads, so a poll of once a second fits in at most 5 times
        // whatever its phase.
        await Task.Delay(TimeSpan.FromSeconds(4.9));
        var after = await ReadQueriesAsync(herald);

        output.WriteLine($"{QueriesMetric}: {before} → {after} (+{after - before} in 5 s)");
        // Five polls, plus the second /metrics read itself (it counts the queue depth in the database).
        Assert.InRange(after - before, 0, 6);
    }

    private static async Task<double> ReadQueriesAsync(HeraldProcess herald)
    {
        using var client = new HttpClient { BaseAddress = herald.BaseUrl };
        using var response = await client.GetAsync("/metrics");
        await response.ExpectStatusAsync(HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync();
        // Summed over any labels (a split by query kind, say).
        var samples = text.Split('\n')
            .Where(l => l.StartsWith(QueriesMetric + " ", StringComparison.Ordinal) || l.StartsWith(QueriesMetric + "{", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
            .ToList();
        Assert.True(samples.Count > 0,
            $"/metrics has no '{QueriesMetric}' counter, so database queries cannot be counted from outside. /metrics:\n{text}");
        return samples.Sum();
    }
}

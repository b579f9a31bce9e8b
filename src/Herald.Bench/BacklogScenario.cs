using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Bench;

/// <summary>
/// Does a large backlog slow Herald down? The throughput run (N events to one endpoint) is
/// measured on an empty database, then a backlog of pending deliveries (1,000,000 by default) is
/// stored — deliveries to other endpoints, due hours from now, as a receiver outage leaves them —
/// and the same run is measured again on the same server. Targets: less than 20 % fewer
/// deliveries a second with the backlog, and peak RSS ≤ 250 MB.
/// </summary>
public static class BacklogScenario
{
    /// <summary>Endpoints the backlog is spread over; each backlog event is delivered to each.</summary>
    private const int BacklogEndpoints = 200;

    private static readonly TimeSpan DueFrom = TimeSpan.FromHours(6);

    private static readonly TimeSpan DueWithin = TimeSpan.FromHours(1);

    /// <summary>The most endpoint ids one published event may list.</summary>
    private const int MaxListed = 100;

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public static async Task<ScenarioMeasurement> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        await using var target = await context.StartHeraldAsync(cancellationToken);
        using var client = target.NewClient(options.Publishers);
        // The measured events' types only, so that a backlog event is the backlog endpoints' alone.
        await target.CreateEndpointsAsync(client, context.Receiver, 1, "bench", new JsonObject { ["event_types"] = new JsonArray("bench.tick", "bench.warmup") }, cancellationToken);
        var backlogEndpoints = Math.Clamp(options.Backlog, 1, BacklogEndpoints);
        // Only the backlog's events go to these; the measured events never match them. Each is
        // deferred to an interval whose next end is 6 to 7 hours away, so its deliveries wait that
        // long, as they would after an outage, and none is sent during the run.
        var intervals = DeferralIntervals(backlogEndpoints, DateTimeOffset.UtcNow);
        var ids = await target.CreateEndpointsWithAsync(client, context.Receiver, backlogEndpoints, "backlog", i => new JsonObject
        {
            ["event_types"] = new JsonArray("bench.backlog"),
            ["delivery"] = new JsonObject { ["mode"] = "deferred", ["interval"] = intervals[i].TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + "s" },
        }, cancellationToken);

        var without = await ThroughputScenario.MeasureAsync(context, target, client, 1, context.Progress("backlog: without"), cancellationToken);

        var seedStarted = Stopwatch.GetTimestamp();
        await SeedAsync(client, ids, options.Backlog, context.Progress("backlog: storing", "pending deliveries"), cancellationToken);
        var seedSeconds = Stopwatch.GetElapsedTime(seedStarted).TotalSeconds;
        var queued = await target.QueueDepthAsync(cancellationToken);
        if (queued < options.Backlog)
        {
            throw new BenchException($"The backlog holds {queued} pending deliveries after storing {options.Backlog}.");
        }

        var with = await ThroughputScenario.MeasureAsync(context, target, client, 1, context.Progress("backlog: with"), cancellationToken);
        var loss = without.DeliveredPerSecond > 0 ? 1 - with.DeliveredPerSecond / without.DeliveredPerSecond : 0;
        return with with
        {
            Extra =
            [
                new("backlog", options.Backlog),
                new("backlog_pending_after", queued),
                new("backlog_store_s", Math.Round(seedSeconds, 2)),
                new("backlog_store_per_s", Math.Round(options.Backlog / Math.Max(seedSeconds, 1e-9), 1)),
                new("delivered_per_s_without_backlog", Math.Round(without.DeliveredPerSecond, 1)),
                new("e2e_p99_ms_without_backlog", Math.Round(without.EndToEndP99Ms, 2)),
                new("backlog_throughput_loss", Math.Round(loss, 3)),
                new("target_loss", 0.2),
                new("target_rss_mb", 250),
            ],
        };
    }

    /// <summary>
    /// A deferred endpoint's deliveries are due at the next multiple of its interval since the Unix
    /// epoch. For each of <paramref name="count"/> endpoints, an interval (whole seconds, at most a
    /// day) whose next multiple after <paramref name="now"/> is 6 to 7 hours away, no two alike, so
    /// the backlog's due times spread over that hour.
    /// </summary>
    internal static TimeSpan[] DeferralIntervals(int count, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var found = new List<TimeSpan>(count);
        for (var seconds = (long)TimeSpan.FromDays(1).TotalSeconds; found.Count < count && seconds > DueFrom.TotalSeconds + DueWithin.TotalSeconds; seconds--)
        {
            var step = seconds * 1000;
            var dueIn = step - nowMs % step;
            if (dueIn >= DueFrom.TotalMilliseconds && dueIn <= (DueFrom + DueWithin).TotalMilliseconds)
            {
                found.Add(TimeSpan.FromSeconds(seconds));
            }
        }
        if (found.Count < count)
        {
            throw new BenchException($"Found {found.Count} deferral intervals for {count} backlog endpoints.");
        }
        return [.. found];
    }

    /// <summary>
    /// Stores <paramref name="count"/> pending deliveries through the publish API: events of type
    /// <c>bench.backlog</c>, which Herald fans out to every backlog endpoint (each event with its
    /// deliveries in one transaction, many events per group commit), with 32 publishes in flight.
    /// When the count is not a multiple of the endpoints, the last events list (<c>endpoints</c>,
    /// at most 100 each) as many as remain.
    /// </summary>
    private static async Task SeedAsync(HttpClient client, string[] endpointIds, int count, Progress progress, CancellationToken cancellationToken)
    {
        // Each event's listed endpoints: null for all of them.
        var plan = new List<string[]?>(Enumerable.Repeat<string[]?>(null, count / endpointIds.Length));
        plan.AddRange(endpointIds.Take(count % endpointIds.Length).Chunk(MaxListed));
        var stored = 0L;
        var next = -1;
        // A bounded number of publishes in flight: enough to fill each group commit, few enough
        // that the bench's own memory stays out of the RSS figure.
        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < plan.Count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var listed = plan[i];
                // No data.n: a backlog delivery arriving would be counted, not timed.
                var body = new JsonObject { ["type"] = "bench.backlog", ["data"] = new JsonObject { ["backlog"] = true } };
                if (listed is not null)
                {
                    body["endpoints"] = new JsonArray([.. listed.Select(id => JsonValue.Create(id))]);
                }
                var take = listed?.Length ?? endpointIds.Length;
                using var content = new StringContent(body.ToJsonString(), Encoding.UTF8);
                content.Headers.ContentType = Json;
                using var response = await client.PostAsync("/v1/events", content, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new BenchException($"Publishing backlog event {i} got {(int)response.StatusCode}: {text}");
                }
                var created = JsonNode.Parse(text)?["deliveries"]?.GetValue<int>();
                if (created != take)
                {
                    throw new BenchException($"Backlog event {i} created {created} deliveries, not {take}.");
                }
                progress.Update(Interlocked.Add(ref stored, take), count);
            }
        }, cancellationToken)));
        progress.Complete(stored, count);
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using Herald.Core;
using Herald.Core.Model;
using Herald.Storage;

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
    /// <summary>Endpoints the backlog is spread over; each stored event carries one delivery to each.</summary>
    private const int BacklogEndpoints = 200;

    // Not a sequence number the receiver times: a backlog delivery arriving would be counted, not timed.
    private static readonly byte[] BacklogData = """{"backlog":true}"""u8.ToArray();

    public static async Task<ScenarioMeasurement> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        await using var target = await context.StartHeraldAsync(cancellationToken);
        using var client = target.NewClient(options.Publishers);
        await target.CreateEndpointsAsync(client, context.Receiver, 1, "bench", null, cancellationToken);
        var backlogEndpoints = Math.Clamp(options.Backlog, 1, BacklogEndpoints);
        // Only the stored backlog events go to these; the measured events never match them.
        var ids = await target.CreateEndpointsAsync(client, context.Receiver, backlogEndpoints, "backlog",
            new JsonObject { ["event_types"] = new JsonArray("bench.backlog") }, cancellationToken);

        var without = await ThroughputScenario.MeasureAsync(context, target, client, 1, context.Progress("backlog: without"), cancellationToken);

        var seedStarted = Stopwatch.GetTimestamp();
        await SeedAsync(target.Store, target.OrgId, ids, options.Backlog, context.Progress("backlog: storing", "pending deliveries"), cancellationToken);
        var seedSeconds = Stopwatch.GetElapsedTime(seedStarted).TotalSeconds;
        var (queued, _) = await target.Store.GaugesAsync();
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
    /// Stores <paramref name="count"/> pending deliveries through the store's own publish path (each
    /// event with its deliveries in one transaction, many events per group commit), due between 6
    /// and 7 hours from now so that none is sent during the run.
    /// </summary>
    private static async Task SeedAsync(HeraldStore store, string orgId, string[] endpointIds, int count, Cli.Progress progress, CancellationToken cancellationToken)
    {
        var perEvent = endpointIds.Length;
        var events = (count + perEvent - 1) / perEvent;
        var stored = 0L;
        var next = -1;
        // A bounded number of publishes in flight: enough to fill each group commit, few enough
        // that the bench's own memory stays out of the RSS figure.
        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < events)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var now = Times.Truncate(DateTimeOffset.UtcNow);
                var take = Math.Min(perEvent, count - i * perEvent);
                var evt = new HeraldEvent(Ids.New(Ids.Event, now), orgId, "bench.backlog", null, null, null, now, BacklogData);
                var due = now + TimeSpan.FromHours(6) + TimeSpan.FromSeconds(i % 3600);
                var deliveries = new NewDelivery[take];
                for (var k = 0; k < take; k++)
                {
                    deliveries[k] = new NewDelivery(Ids.New(Ids.Delivery, now), endpointIds[k]) { DueAt = due };
                }
                await store.PublishAsync(new NewEvent(evt, deliveries), null, now);
                progress.Update(Interlocked.Add(ref stored, take), count);
            }
        }, cancellationToken)));
        progress.Complete(stored, count);
    }
}

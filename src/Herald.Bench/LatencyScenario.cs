using System.Diagnostics;

namespace Herald.Bench;

/// <summary>
/// Latency at a fixed rate: events to one endpoint on a schedule (1,000 a second for 10 s by
/// default), sent when due whether or not earlier ones were answered (open loop). Each latency
/// counts from the event's scheduled time, so a stall shows in the percentiles instead of
/// quietly slowing the senders. Targets: publish p99 ≤ 10 ms, publish→receiver p99 ≤ 50 ms.
/// </summary>
public static class LatencyScenario
{
    public static async Task<ScenarioMeasurement> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var events = (int)Math.Max(1, Math.Round(options.Rate * options.Duration.TotalSeconds));
        var progress = context.Progress("latency");
        await using var target = await context.StartHeraldAsync(cancellationToken);
        // Enough connections that a slow answer never holds back the next scheduled send.
        using var client = target.NewClient(256);
        await target.CreateEndpointsAsync(client, context.Receiver, 1, "bench", null, cancellationToken);
        await BenchLoad.WarmUpAsync(context, client, BenchLoad.WarmUpEvents(events), 1, cancellationToken, BenchLoad.WarmUpTime(events));

        var receiver = context.Receiver;
        receiver.Reset(events);
        var run = new PublishRun(events);
        var late = new double[events];
        var sends = new Task[events];
        var accepted = new long[events];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var before = await Usage.BeforeAsync(target, cancellationToken);
        run.Started = Stopwatch.GetTimestamp();
        var sent = 0;
        var tracking = progress.TrackAsync(() => (receiver.Requests, events, $"published {Volatile.Read(ref sent):N0}/{events:N0} at {options.Rate:N0}/s"), stop.Token);

        // How late the pacer sent each event is reported: when it is large, the machine set the latencies.
        await BenchLoad.PaceAsync("bench latency pacer", run.Started, events, options.Rate, (i, due) =>
        {
            run.SentAt[i] = due;
            late[i] = Stopwatch.GetElapsedTime(due, Stopwatch.GetTimestamp()).TotalMilliseconds;
            sends[i] = SendAsync(client, i, accepted, stop);
            Volatile.Write(ref sent, i + 1);
        }, stop.Token);
        try
        {
            try
            {
                await Task.WhenAll(sends.Where(t => t is not null));
            }
            catch (Exception) when (sends.Select(t => t?.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException) is { } first)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            }
            cancellationToken.ThrowIfCancellationRequested();
            for (var i = 0; i < events; i++)
            {
                run.PublishMs[i] = Stopwatch.GetElapsedTime(run.SentAt[i], accepted[i]).TotalMilliseconds;
                run.LastAccepted = Math.Max(run.LastAccepted, accepted[i]);
            }
            await BenchLoad.WaitForAsync(context, events, run.Started, "deliveries", progress, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            await tracking;
        }
        var measurement = await BenchLoad.MeasureAsync(target, receiver, run, 1, events, before, cancellationToken);
        var lateness = late.Order().ToArray();
        progress.Complete(measurement.Delivered, events, $"publish p99 {measurement.PublishP99Ms:0.0} ms, e2e p99 {measurement.EndToEndP99Ms:0.0} ms");
        return measurement with
        {
            Extra =
            [
                new("rate_per_s", options.Rate),
                new("duration_s_scheduled", options.Duration.TotalSeconds),
                // How late the pacer itself sent: when this is large, the bench machine, not Herald, set the latencies.
                new("send_late_p99_ms", Math.Round(Percentiles.Of(lateness, 99), 2)),
                new("target_publish_p99_ms", 10),
                new("target_e2e_p99_ms", 50),
            ],
        };
    }

    private static async Task SendAsync(HttpClient client, int n, long[] accepted, CancellationTokenSource stop)
    {
        try
        {
            await BenchLoad.PublishAsync(client, BenchLoad.TickBody(n), $"event {n}", stop.Token);
            accepted[n] = Stopwatch.GetTimestamp();
        }
        catch (BenchException)
        {
            // The first failure stops the schedule; the others are its echoes.
            await stop.CancelAsync();
            throw;
        }
    }
}

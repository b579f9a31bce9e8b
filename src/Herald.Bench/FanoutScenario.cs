using System.Diagnostics;

namespace Herald.Bench;

/// <summary>
/// One event to many endpoints (1,000 by default), in rounds one after the other: how long the
/// publish takes to be accepted (the event and all its deliveries committed), and how long until
/// the receiver has every one of its deliveries. Target: accepted within 50 ms.
/// </summary>
public static class FanoutScenario
{
    public static async Task<ScenarioMeasurement> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var endpoints = options.FanoutEndpoints;
        var rounds = options.FanoutEvents;
        var expected = (long)rounds * endpoints;
        var progress = context.Progress("fanout");
        await using var target = await context.StartHeraldAsync(cancellationToken);
        using var client = target.NewClient(4);
        progress.Update(0, expected, $"creating {endpoints:N0} endpoints", force: true);
        await target.CreateEndpointsAsync(client, context.Receiver, endpoints, "fan", null, cancellationToken);
        await BenchLoad.WarmUpAsync(context, client, 2, endpoints, cancellationToken);

        var receiver = context.Receiver;
        receiver.Reset(checked((int)expected));
        var run = new PublishRun(rounds);
        var allDelivered = new double[rounds];
        var before = await Usage.BeforeAsync(target, cancellationToken);
        run.Started = Stopwatch.GetTimestamp();
        for (var round = 0; round < rounds; round++)
        {
            var sent = Stopwatch.GetTimestamp();
            run.SentAt[round] = sent;
            await BenchLoad.PublishAsync(client, BenchLoad.TickBody(round), $"fan-out event {round}", cancellationToken);
            var accepted = Stopwatch.GetTimestamp();
            run.PublishMs[round] = Stopwatch.GetElapsedTime(sent, accepted).TotalMilliseconds;
            run.LastAccepted = accepted;
            // One round at a time: the next event goes out when every delivery of this one arrived.
            await BenchLoad.WaitForAsync(context, (long)(round + 1) * endpoints, run.Started, "fan-out deliveries", progress, cancellationToken);
        }
        var measurement = await BenchLoad.MeasureAsync(target, receiver, run, endpoints, expected, before, cancellationToken);
        // Per round: publish sent → the last of its deliveries at the receiver.
        var lastArrival = new long[rounds];
        foreach (var (sequence, receivedAt) in receiver.Arrivals())
        {
            if (sequence >= 0 && sequence < rounds)
            {
                lastArrival[sequence] = Math.Max(lastArrival[sequence], receivedAt);
            }
        }
        for (var round = 0; round < rounds; round++)
        {
            allDelivered[round] = Stopwatch.GetElapsedTime(run.SentAt[round], lastArrival[round]).TotalMilliseconds;
        }
        var sorted = allDelivered.Order().ToArray();
        var accept = run.PublishMs.Order().ToArray();
        progress.Complete(measurement.Delivered, expected, $"accepted p50 {Percentiles.Of(accept, 50):0.0} ms, all delivered p50 {Percentiles.Of(sorted, 50):0} ms");
        return measurement with
        {
            // accepted_per_s and delivered_per_s count events and deliveries as every scenario does;
            // the figures a fan-out is judged by are these.
            Extra =
            [
                new("fanout_accept_p50_ms", Math.Round(Percentiles.Of(accept, 50), 2)),
                new("fanout_accept_max_ms", Math.Round(accept.LastOrDefault(), 2)),
                new("fanout_all_delivered_p50_ms", Math.Round(Percentiles.Of(sorted, 50), 1)),
                new("fanout_all_delivered_max_ms", Math.Round(sorted.LastOrDefault(), 1)),
                new("target_accept_ms", 50),
            ],
        };
    }
}

namespace Herald.Bench;

/// <summary>
/// N events published over HTTP by concurrent clients (closed loop), each fanned out to M signed
/// endpoints on the bench receiver; the clock stops when the receiver has all N×M deliveries.
/// </summary>
public static class ThroughputScenario
{
    public static async Task<ScenarioMeasurement> RunAsync(ScenarioContext context, int endpoints, string name, CancellationToken cancellationToken)
    {
        await using var target = await context.StartHeraldAsync(cancellationToken);
        using var client = target.NewClient(context.Options.Publishers);
        await target.CreateEndpointsAsync(client, context.Receiver, endpoints, "bench", null, cancellationToken);
        return await MeasureAsync(context, target, client, endpoints, context.Progress(name), cancellationToken);
    }

    /// <summary>Warm-up, then N events to the <paramref name="endpoints"/> endpoints that exist, until every delivery arrived.</summary>
    public static async Task<ScenarioMeasurement> MeasureAsync(ScenarioContext context, BenchTarget target, HttpClient client, int endpoints, Progress progress, CancellationToken cancellationToken)
    {
        var events = context.Options.Events;
        await BenchLoad.WarmUpAsync(context, client, BenchLoad.WarmUpEvents(events), endpoints, cancellationToken, BenchLoad.WarmUpTime(events));
        var expected = (long)events * endpoints;
        var receiver = context.Receiver;
        receiver.Reset(checked((int)expected));
        var before = await Usage.BeforeAsync(target, cancellationToken);
        var run = await BenchLoad.ClosedLoopAsync(context, client, events, n => BenchLoad.TickBody(n), () => receiver.Requests, expected, progress, cancellationToken);
        await BenchLoad.WaitForAsync(context, expected, run.Started, "deliveries", progress, cancellationToken);
        var measurement = await BenchLoad.MeasureAsync(target, receiver, run, endpoints, expected, before, cancellationToken);
        progress.Complete(measurement.Delivered, expected, $"{measurement.DeliveredPerSecond:N0}/s");
        return measurement;
    }
}

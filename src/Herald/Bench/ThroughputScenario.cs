using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Hosting;
using Herald.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Herald.Bench;

/// <summary>
/// Herald as <c>herald serve</c> runs it (one process, SQLite, durable commits), hosted in this
/// process: M signed endpoints on the bench receiver, N events published over HTTP by concurrent
/// clients, and the clock stopped when the receiver has all N×M deliveries.
/// </summary>
public static class ThroughputScenario
{
    public static async Task<ScenarioMeasurement> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var adminKey = "hk_bench_" + Guid.NewGuid().ToString("N");
        var heraldOptions = new HeraldOptions
        {
            Urls = "http://127.0.0.1:0",
            DataDir = Path.Combine(context.WorkDir, "data"),
            Database = options.Database,
            AdminKey = adminKey,
            AllowPrivateTargets = true,
            Workers = options.Workers,
        };
        WebApplication app;
        try
        {
            app = await HeraldServer.BuildAsync(heraldOptions, TextWriter.Null, configure: BenchLogging.Quiet);
        }
        catch (StartupException e)
        {
            throw new BenchException("Herald did not start: " + e.Message);
        }
        try
        {
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = Baselines.NewClient(options.Publishers);
            client.BaseAddress = new Uri(address);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);

            for (var i = 0; i < options.Endpoints; i++)
            {
                // Defaults throughout: the standard signature scheme with a generated secret, the envelope format.
                var body = new JsonObject { ["name"] = $"bench-{i}", ["url"] = context.Receiver.Url($"/hook/{i}") };
                using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
                using var created = await client.PostAsync("/v1/endpoints", content, cancellationToken);
                if (created.StatusCode != HttpStatusCode.Created)
                {
                    throw new BenchException($"Creating endpoint bench-{i} got {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }
            await WarmUpAsync(context, client, cancellationToken);
            return await PublishAndWaitAsync(context, client, app.Services.GetRequiredService<HeraldStore>(), cancellationToken);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    /// <summary>
    /// A few untimed events first, so the figures measure Herald running rather than the JIT
    /// compiling its publish and delivery paths.
    /// </summary>
    private static async Task WarmUpAsync(ScenarioContext context, HttpClient client, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var count = Math.Clamp(options.Events / 20, 10, 500);
        context.Receiver.Reset(0);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, options.Publishers).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                using var content = new StringContent("""{"type":"bench.warmup","data":{"warmup":true}}""", Encoding.UTF8, "application/json");
                using var response = await client.PostAsync("/v1/events", content, cancellationToken);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new BenchException($"Publishing a warm-up event got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }
        }, cancellationToken)));
        var expected = (long)count * options.Endpoints;
        var deadline = Stopwatch.GetTimestamp() + (long)(options.DeliveryTimeout.TotalSeconds * Stopwatch.Frequency);
        // The deadline is checked before completion, so a run that finished late reports as late.
        while (true)
        {
            var arrived = context.Receiver.Requests;
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new BenchException($"The receiver got {arrived} of {expected} warm-up deliveries within {options.DeliveryTimeout.TotalSeconds:0} s.");
            }
            if (arrived >= expected)
            {
                break;
            }
            await Task.Delay(10, cancellationToken);
        }
    }

    private static async Task<ScenarioMeasurement> PublishAndWaitAsync(ScenarioContext context, HttpClient client, HeraldStore store, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var events = options.Events;
        var expected = (long)events * options.Endpoints;
        var receiver = context.Receiver;
        receiver.Reset(checked((int)expected));
        var publishedAt = new long[events];
        var publishMs = new double[events];
        var published = 0;
        var next = -1;

        var roundTrips = store.RoundTrips;
        var cpu = Throughput.CpuTime();
        var started = Stopwatch.GetTimestamp();
        using var progressStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progress = options.Json
            ? Task.CompletedTask
            : ReportProgressAsync(context.Progress, () => Volatile.Read(ref published), events, receiver, expected, progressStop.Token);
        // One failed publish stops the others, so the error reported is the first one, not a cascade.
        using var publishing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var publishers = Enumerable.Range(0, options.Publishers).Select(_ => Task.Run(async () =>
        {
            var lastAccepted = 0L;
            int i;
            while ((i = Interlocked.Increment(ref next)) < events && !publishing.IsCancellationRequested)
            {
                using var content = new ByteArrayContent(Encoding.UTF8.GetBytes($$$"""{"type":"bench.tick","data":{"n":{{{i}}}}}"""));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var sent = Stopwatch.GetTimestamp();
                publishedAt[i] = sent;
                using var response = await client.PostAsync("/v1/events", content, publishing.Token);
                var accepted = Stopwatch.GetTimestamp();
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    await publishing.CancelAsync();
                    throw new BenchException($"Publishing event {i} got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                }
                publishMs[i] = Stopwatch.GetElapsedTime(sent, accepted).TotalMilliseconds;
                lastAccepted = Math.Max(lastAccepted, accepted);
                Interlocked.Increment(ref published);
            }
            return lastAccepted;
        }, CancellationToken.None)).ToList();

        try
        {
            try
            {
                await Task.WhenAll(publishers);
            }
            catch (Exception) when (publishers.Select(p => p.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException) is { } first)
            {
                await publishing.CancelAsync();
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            }
            cancellationToken.ThrowIfCancellationRequested();
            var allAccepted = publishers.Max(p => p.Result);
            var deadline = started + (long)(options.DeliveryTimeout.TotalSeconds * Stopwatch.Frequency);
            while (true)
            {
                var arrived = receiver.Requests;
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new BenchException(
                        $"The receiver got {arrived} of {expected} deliveries within {options.DeliveryTimeout.TotalSeconds:0} s of the first publish.");
                }
                if (arrived >= expected)
                {
                    break;
                }
                await Task.Delay(10, cancellationToken);
            }
            var cpuUsed = Throughput.CpuTime() - cpu;
            var roundTripsUsed = store.RoundTrips - roundTrips;

            var endToEnd = new List<double>((int)expected);
            var lastDelivery = 0L;
            foreach (var (sequence, receivedAt) in receiver.Arrivals())
            {
                if (sequence < events)
                {
                    endToEnd.Add(Stopwatch.GetElapsedTime(publishedAt[sequence], receivedAt).TotalMilliseconds);
                }
                lastDelivery = Math.Max(lastDelivery, receivedAt);
            }
            var publishSorted = publishMs.Order().ToArray();
            var endToEndSorted = endToEnd.Order().ToArray();
            return new ScenarioMeasurement(
                store.Backend,
                Baselines.Rate(events, started, allAccepted),
                Baselines.Rate(expected, started, lastDelivery),
                Percentiles.Of(publishSorted, 50),
                Percentiles.Of(publishSorted, 99),
                Percentiles.Of(endToEndSorted, 50),
                Percentiles.Of(endToEndSorted, 99),
                Stopwatch.GetElapsedTime(started, lastDelivery).TotalSeconds,
                cpuUsed.TotalMilliseconds / expected,
                (double)roundTripsUsed / events);
        }
        finally
        {
            await progressStop.CancelAsync();
            await progress;
        }
    }

    private static async Task ReportProgressAsync(TextWriter progress, Func<int> published, int events, BenchReceiver receiver, long expected, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop);
                await progress.WriteLineAsync($"published {published()}/{events}, delivered {receiver.Requests}/{expected}");
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over (or was cancelled): stop reporting.
        }
    }
}

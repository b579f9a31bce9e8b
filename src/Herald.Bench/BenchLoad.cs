using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Herald.Bench;

/// <summary>Send times and 202 latencies of one batch of publishes, indexed by the event's <c>data.n</c>.</summary>
public sealed class PublishRun(int events)
{
    public long[] SentAt { get; } = new long[events];

    public double[] PublishMs { get; } = new double[events];

    public long Started { get; set; }

    public long LastAccepted { get; set; }

    public int Events => SentAt.Length;
}

/// <summary>
/// CPU time and database round trips at a point, so a scenario reports what its load cost. The
/// round trips are Herald's <c>herald_db_queries_total</c> from <c>/metrics</c>; reading them is
/// kept out of the CPU figure (before a measured part it comes first, after one it comes last).
/// </summary>
public readonly record struct Usage(TimeSpan Cpu, long RoundTrips)
{
    /// <summary>At the start of a measured part.</summary>
    public static async Task<Usage> BeforeAsync(BenchTarget target, CancellationToken cancellationToken)
    {
        var roundTrips = await target.RoundTripsAsync(cancellationToken);
        return new(CpuNow(target), roundTrips);
    }

    /// <summary>At the end of a measured part.</summary>
    public static async Task<Usage> AfterAsync(BenchTarget target, CancellationToken cancellationToken)
    {
        var cpu = CpuNow(target);
        return new(cpu, await target.RoundTripsAsync(cancellationToken, exceptOwn: true));
    }

    private static TimeSpan CpuNow(BenchTarget target) => Throughput.CpuTime() + (target.ExtraCpuTime?.Invoke() ?? TimeSpan.Zero);
}

/// <summary>The pieces scenarios are made of: publishing, waiting for the receiver, and the figures.</summary>
public static class BenchLoad
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <summary>The event numbered <paramref name="n"/>: the receiver times it by its <c>data.n</c>.</summary>
    public static byte[] TickBody(int n, string type = "bench.tick") => Encoding.UTF8.GetBytes($$$"""{"type":"{{{type}}}","data":{"n":{{{n}}}}}""");

    /// <summary>Publishes one event; a status other than 202 ends the run with the server's answer.</summary>
    public static async Task PublishAsync(HttpClient client, byte[] body, string what, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        using var response = await client.PostAsync("/v1/events", content, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new BenchException($"Publishing {what} got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
        }
    }

    /// <summary>
    /// Open loop: calls <paramref name="send"/> with each of <paramref name="count"/> event numbers and
    /// its scheduled time, <paramref name="rate"/> a second from <paramref name="started"/>, whether or
    /// not earlier sends were answered, until <paramref name="stopping"/> is cancelled. The pacer has a
    /// thread of its own, so a busy thread pool does not delay the schedule; it sleeps rather than
    /// spins (a spinning pacer would take a core from Herald on a small machine), and sends every
    /// event that fell due meanwhile.
    /// </summary>
    public static Task PaceAsync(string name, long started, int count, double rate, Action<int, long> send, CancellationToken stopping)
    {
        var interval = (double)Stopwatch.Frequency / rate;
        var pacer = new Thread(() =>
        {
            for (var i = 0; i < count && !stopping.IsCancellationRequested; i++)
            {
                var due = started + (long)(i * interval);
                while (Stopwatch.GetTimestamp() < due)
                {
                    Thread.Sleep(1);
                }
                send(i, due);
            }
        })
        { IsBackground = true, Name = name };
        pacer.Start();
        return Task.Run(pacer.Join, CancellationToken.None);
    }

    /// <summary>Untimed events before a measured run of <paramref name="events"/>; see <see cref="WarmUpAsync"/>.</summary>
    public static int WarmUpEvents(int events) => Math.Clamp(events / 10, 10, 2_000);

    /// <summary>
    /// How long a warm-up before a run of <paramref name="events"/> lasts at least. A fresh process
    /// delivers about a third less for its first seconds of load (the JIT recompiles hot methods in
    /// the background, the thread pool grows): measured runs of a real size start after that.
    /// </summary>
    public static TimeSpan WarmUpTime(int events) => events >= 5_000 ? TimeSpan.FromSeconds(8) : TimeSpan.Zero;

    /// <summary>
    /// A few untimed events first, so the figures measure Herald running rather than the JIT
    /// compiling its publish and delivery paths.
    /// </summary>
    public static async Task WarmUpAsync(ScenarioContext context, HttpClient client, int events, int deliveriesPerEvent, CancellationToken cancellationToken, TimeSpan minimum = default)
    {
        var options = context.Options;
        context.Receiver.Reset(0);
        var next = -1;
        var published = 0;
        var started = Stopwatch.GetTimestamp();
        // At least `events`, and more until `minimum` has passed (bounded, should the server be very fast).
        var cap = Math.Max(events, 100_000);
        await Task.WhenAll(Enumerable.Range(0, Math.Min(options.Publishers, events)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < events || (i < cap && Stopwatch.GetElapsedTime(started) < minimum))
            {
                await PublishAsync(client, """{"type":"bench.warmup","data":{"warmup":true}}"""u8.ToArray(), "a warm-up event", cancellationToken);
                Interlocked.Increment(ref published);
            }
        }, cancellationToken)));
        await WaitForAsync(context, (long)published * deliveriesPerEvent, Stopwatch.GetTimestamp(), "warm-up deliveries", null, cancellationToken);
    }

    /// <summary>
    /// Waits until the receiver has <paramref name="expected"/> requests, or fails the run when the
    /// delivery timeout since <paramref name="since"/> passes first.
    /// </summary>
    public static async Task WaitForAsync(ScenarioContext context, long expected, long since, string what, Progress? progress, CancellationToken cancellationToken)
    {
        var timeout = context.Options.DeliveryTimeout;
        var deadline = since + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        // The deadline is checked before completion, so a run that finished late reports as late.
        while (true)
        {
            var arrived = context.Receiver.Requests;
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new BenchException($"The receiver got {arrived} of {expected} {what} within {timeout.TotalSeconds:0} s.");
            }
            progress?.Update(arrived, expected);
            if (arrived >= expected)
            {
                return;
            }
            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>
    /// Publishes events 0 … <paramref name="events"/>−1 from the run's concurrent publishers (closed
    /// loop: each sends its next event when the last one was accepted), noting each send time and
    /// 202 latency. One failed publish stops the others, and the first error is the one reported.
    /// </summary>
    public static async Task<PublishRun> ClosedLoopAsync(ScenarioContext context, HttpClient client, int events, Func<int, byte[]> body, Func<long> delivered, long expected, Progress progress, CancellationToken cancellationToken)
    {
        var run = new PublishRun(events);
        var published = 0;
        var next = -1;
        using var progressStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tracking = progress.TrackAsync(() => (delivered(), expected, $"published {Volatile.Read(ref published):N0}/{events:N0}"), progressStop.Token);
        using var publishing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        run.Started = Stopwatch.GetTimestamp();
        var publishers = Enumerable.Range(0, Math.Min(context.Options.Publishers, events)).Select(_ => Task.Run(async () =>
        {
            var lastAccepted = 0L;
            int i;
            while ((i = Interlocked.Increment(ref next)) < events && !publishing.IsCancellationRequested)
            {
                var sent = Stopwatch.GetTimestamp();
                run.SentAt[i] = sent;
                try
                {
                    await PublishAsync(client, body(i), $"event {i}", publishing.Token);
                }
                catch (BenchException)
                {
                    await publishing.CancelAsync();
                    throw;
                }
                var accepted = Stopwatch.GetTimestamp();
                run.PublishMs[i] = Stopwatch.GetElapsedTime(sent, accepted).TotalMilliseconds;
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
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            }
            cancellationToken.ThrowIfCancellationRequested();
            run.LastAccepted = publishers.Max(p => p.Result);
            return run;
        }
        finally
        {
            await progressStop.CancelAsync();
            await tracking;
        }
    }

    /// <summary>Publish → receiver times of every timed arrival, sorted, and when the last one came.</summary>
    public static (double[] Sorted, long LastArrival) EndToEnd(BenchReceiver receiver, PublishRun run)
    {
        var endToEnd = new List<double>();
        var last = 0L;
        foreach (var (sequence, receivedAt) in receiver.Arrivals())
        {
            if (sequence >= 0 && sequence < run.Events)
            {
                endToEnd.Add(Stopwatch.GetElapsedTime(run.SentAt[sequence], receivedAt).TotalMilliseconds);
            }
            last = Math.Max(last, receivedAt);
        }
        return ([.. endToEnd.Order()], last);
    }

    /// <summary>The standard figures of a run that published <paramref name="run"/> and waited for <paramref name="expected"/> deliveries.</summary>
    public static async Task<ScenarioMeasurement> MeasureAsync(BenchTarget target, BenchReceiver receiver, PublishRun run, int endpoints, long expected, Usage before, CancellationToken cancellationToken)
    {
        var after = await Usage.AfterAsync(target, cancellationToken);
        var (endToEnd, lastDelivery) = EndToEnd(receiver, run);
        var publish = run.PublishMs.Order().ToArray();
        return new ScenarioMeasurement(
            target.Backend,
            run.Events,
            endpoints,
            Baselines.Rate(run.Events, run.Started, run.LastAccepted),
            Baselines.Rate(expected, run.Started, lastDelivery),
            Percentiles.Of(publish, 50),
            Percentiles.Of(publish, 99),
            Percentiles.Of(endToEnd, 50),
            Percentiles.Of(endToEnd, 99),
            Stopwatch.GetElapsedTime(run.Started, lastDelivery).TotalSeconds,
            (after.Cpu - before.Cpu).TotalMilliseconds / Math.Max(1, expected),
            // The round trips of separate herald serve processes are theirs to count, not the bench's.
            target.Topology.Processes > 1 ? double.NaN : (double)(after.RoundTrips - before.RoundTrips) / Math.Max(1, run.Events))
        {
            Delivered = receiver.Requests,
            Topology = target.Topology.Name,
            Processes = target.Topology.Processes,
        };
    }
}

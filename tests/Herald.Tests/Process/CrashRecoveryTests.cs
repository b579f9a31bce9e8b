using System.Diagnostics;
using Xunit.Abstractions;

namespace Herald.Tests.ProcessTests;

/// <summary>
/// docs/guarantees.md: an event answered 202 is delivered across a <c>kill -9</c>; a SQLite instance reclaims
/// its leases at start, so what was in flight goes out again within 30 s of the restart, and only
/// what was in flight may arrive twice.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private static readonly string[] ShortSchedule = ["200ms", "500ms", "1s", "2s"];

    [Theory]
    [InlineData(300, 16)]
    [InlineData(3000, 64)]
    public async Task KillDashNine_WhileDelivering_AllEventsArriveAfterRestart(int total, int workers)
    {
        var killAt = total * 2 / 5; // 40 %: inside the 25–75 % window with room on either side.
        using var dataDir = TempDir.Create("herald-crash");
        var adminKey = HeraldProcess.NewAdminKey();
        await using var receiver = await TestReceiver.StartAsync();
        var tracker = new ReceiverLedger(total, killAt);
        receiver.Responder = tracker.Respond;
        // 20–50 ms answers keep hundreds of deliveries a second going, so the kill lands mid-stream.
        string[] args = ["--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture)];

        HeraldProcess? first = null;
        HeraldProcess? second = null;
        try
        {
            first = await HeraldProcess.StartReadyAsync(dataDir.Path, args, adminKey: adminKey);
            var endpointId = await ProcessScenario.CreateEndpointAsync(first.Client, receiver.Url("/hook"), ShortSchedule);

            // While publishing, answers are slowed right down so the stream is still mostly ahead of us
            // once every 202 is in; the kill must not cut a publish short.
            tracker.HoldBack = true;
            await ProcessScenario.PublishNumberedAsync(first.Client, total, parallelism: 4);
            tracker.HoldBack = false;

            await tracker.KillThreshold.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var killCalled = Stopwatch.GetTimestamp();
            first.Kill();
            Assert.True(first.HasExited, "herald survived SIGKILL");

            // Lets the receiver finish with the connections the kill reset before the restart's requests come.
            await Task.Delay(200);
            tracker.MarkRestart();
            var beforeKill = tracker.Snapshot().Where(r => !r.AfterRestart).ToList();
            var distinctBeforeKill = beforeKill.Select(r => r.N).Distinct().Count();
            var inFlightIds = beforeKill.Where(r => r.AnswerDue > killCalled).Select(r => r.WebhookId).ToHashSet();
            var answeredBeforeKill = beforeKill.Where(r => r.AnswerDue <= killCalled).Select(r => r.N).Distinct().Count();
            Assert.InRange(distinctBeforeKill, total / 4, total * 3 / 4);

            var restartedAt = DateTimeOffset.UtcNow;
            var sinceRestart = Stopwatch.StartNew();
            second = await HeraldProcess.StartReadyAsync(dataDir.Path, args, adminKey: adminKey);
            await tracker.AllArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var secondsToFull = sinceRestart.Elapsed.TotalSeconds;

            await ProcessScenario.WaitUntilSettledAsync(second.Client, endpointId, TimeSpan.FromSeconds(15));
            var received = tracker.Snapshot();
            var duplicates = received.Count - total;

            // A resend is legitimate only when Herald had not recorded the pre-crash send: the request
            // was still unanswered at the kill, or answered but its completion not yet committed (no
            // attempt before the restart in the delivery's log).
            var illegitimate = new List<string>();
            var answeredUnrecorded = 0;
            foreach (var group in received.GroupBy(r => r.WebhookId).Where(g => g.Count() > 1))
            {
                var pre = group.Count(r => !r.AfterRestart);
                var post = group.Count(r => r.AfterRestart);
                var attempts = await ProcessScenario.AttemptsAsync(second.Client, group.Key);
                var recordedBeforeRestart = attempts.Count(a => ProcessScenario.StartedAt(a!) < restartedAt);
                if (pre == 1 && post == 1 && inFlightIds.Contains(group.Key))
                {
                    continue;
                }
                if (pre == 1 && post == 1 && recordedBeforeRestart == 0)
                {
                    answeredUnrecorded++;
                    continue;
                }
                illegitimate.Add($"{group.Key}: {pre} before the kill, {post} after the restart, {recordedBeforeRestart} attempt(s) recorded before the restart, in flight at the kill: {inFlightIds.Contains(group.Key)}");
            }

            output.WriteLine($"events published (all 202):              {total}");
            output.WriteLine($"distinct events received before kill:    {distinctBeforeKill} ({100.0 * distinctBeforeKill / total:0}%)");
            output.WriteLine($"distinct events answered before kill:    {answeredBeforeKill}");
            output.WriteLine($"requests in flight at the kill:          {inFlightIds.Count}");
            output.WriteLine($"answered but unrecorded at the kill:     {answeredUnrecorded}");
            output.WriteLine($"requests received in total:              {received.Count}");
            output.WriteLine($"duplicates (received - {total}):            {duplicates}");
            output.WriteLine($"seconds from restart to all {total} events:  {secondsToFull:0.000}");

            Assert.Equal(total, received.Select(r => r.N).Distinct().Count());
            Assert.True(secondsToFull <= 30, $"all events arrived {secondsToFull:0.0} s after the restart (must be within 30 s)");
            Assert.Equal(total, await ProcessScenario.CountDeliveriesAsync(second.Client, endpointId, "succeeded"));
            Assert.True(illegitimate.Count == 0,
                $"{illegitimate.Count} duplicate(s) of requests that were not in flight at the crash:\n" + string.Join('\n', illegitimate));
            Assert.True(duplicates <= inFlightIds.Count + answeredUnrecorded,
                $"{duplicates} duplicates but only {inFlightIds.Count} in flight and {answeredUnrecorded} answered-but-unrecorded at the kill");
        }
        finally
        {
            if (second is not null)
            {
                await second.DisposeAsync();
            }
            if (first is not null)
            {
                await first.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task KillDashNine_AfterAccept_LosesNothing()
    {
        const int total = 50;
        using var dataDir = TempDir.Create("herald-crash");
        var adminKey = HeraldProcess.NewAdminKey();
        // Several 503s in a row open the circuit (stored in the database); a short probe interval
        // keeps the drain after the restart quick.
        var environment = new Dictionary<string, string?> { ["HERALD_CIRCUIT_PROBE_INTERVAL"] = "1s" };
        string[] schedule = ["500ms", "1s", "1s", "1s", "1s", "1s", "1s", "1s"];
        await using var receiver = await TestReceiver.StartAsync();
        var up = false;
        var acknowledged = new HashSet<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Responder = (request, _) =>
        {
            if (!Volatile.Read(ref up))
            {
                return ResponsePlan.Status(503);
            }
            if (ProcessScenario.NumberOf(request) is { } n)
            {
                lock (acknowledged)
                {
                    if (acknowledged.Add(n) && acknowledged.Count == total)
                    {
                        all.TrySetResult();
                    }
                }
            }
            return ResponsePlan.Ok;
        };

        HeraldProcess? first = null;
        HeraldProcess? second = null;
        try
        {
            first = await HeraldProcess.StartReadyAsync(dataDir.Path, environment: environment, adminKey: adminKey);
            var endpointId = await ProcessScenario.CreateEndpointAsync(first.Client, receiver.Url("/hook"), schedule);
            await ProcessScenario.PublishNumberedAsync(first.Client, total, parallelism: 4);
            first.Kill();
            var attemptsBeforeKill = receiver.Count;

            var sinceRestart = Stopwatch.StartNew();
            second = await HeraldProcess.StartReadyAsync(dataDir.Path, environment: environment, adminKey: adminKey);
            Volatile.Write(ref up, true);
            await all.Task.WaitAsync(TimeSpan.FromSeconds(30));
            output.WriteLine($"503 answers before the kill: {attemptsBeforeKill}; all {total} acknowledged {sinceRestart.Elapsed.TotalSeconds:0.00} s after the restart began");

            await ProcessScenario.WaitUntilSettledAsync(second.Client, endpointId, TimeSpan.FromSeconds(10));
            Assert.Equal(total, await ProcessScenario.CountDeliveriesAsync(second.Client, endpointId, "succeeded"));
        }
        finally
        {
            if (second is not null)
            {
                await second.DisposeAsync();
            }
            if (first is not null)
            {
                await first.DisposeAsync();
            }
        }
    }

    /// <summary>One request as the ledger saw it: when its answer was due decides whether it was in flight at the kill.</summary>
    private sealed record Reception(string WebhookId, int N, long AnswerDue, bool AfterRestart);

    /// <summary>
    /// Answers every webhook 200 after 20–50 ms and keeps, per request, the moment its answer was due
    /// (<see cref="Stopwatch"/> ticks): a request whose answer was due after the kill was in flight.
    /// </summary>
    private sealed class ReceiverLedger(int total, int killThreshold)
    {
        private readonly Lock _gate = new();
        private readonly List<Reception> _receptions = [];
        private readonly HashSet<int> _distinct = [];
        private bool _afterRestart;
        private volatile bool _holdBack;

        public TaskCompletionSource KillThreshold { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource AllArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool HoldBack
        {
            get => _holdBack;
            set => _holdBack = value;
        }

        public void MarkRestart()
        {
            lock (_gate)
            {
                _afterRestart = true;
            }
        }

        public List<Reception> Snapshot()
        {
            lock (_gate)
            {
                return [.. _receptions];
            }
        }

        public ResponsePlan Respond(ReceivedRequest request, int index)
        {
            var delay = _holdBack ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromMilliseconds(20 + Random.Shared.Next(31));
            var n = ProcessScenario.NumberOf(request) ?? -1;
            var due = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
            lock (_gate)
            {
                _receptions.Add(new Reception(request.Header("webhook-id") ?? "(none)", n, due, _afterRestart));
                if (n >= 0 && _distinct.Add(n))
                {
                    if (_distinct.Count >= killThreshold)
                    {
                        KillThreshold.TrySetResult();
                    }
                    if (_distinct.Count == total)
                    {
                        AllArrived.TrySetResult();
                    }
                }
            }
            return ResponsePlan.Delayed(delay);
        }
    }
}

using Herald.Core;
using Herald.Core.Model;
using Herald.Engine.Configuration;
using Herald.Engine.Telemetry;
using Herald.Storage;
using Herald.Storage.Ports;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Engine.Delivery;

/// <summary>Wakes the dispatcher when work may be due: a publish committed, a slot freed.</summary>
public sealed class DispatchSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up is as good as two.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// The delivery loop: claim due deliveries with a lease, send each on its own task up to the worker
/// limit, and sleep until the next due time or a wake-up. Idle, it reads the database at most once
/// a second; busy, it claims in batches and never waits between them.
/// Workers are shared between organizations, then between each one's endpoints: an endpoint runs at
/// most a quarter of them, and when every worker is taken, an organization below its fair share
/// (the workers divided between the organizations sending) still starts work, up to twice the
/// workers in all; a hanging receiver holds a request, not a CPU, so one tenant's hanging or busy
/// endpoints never keep another's deliveries waiting for a worker.
/// </summary>
public sealed class Dispatcher(
    IDeliveryQueue store,
    EndpointCatalog catalog,
    AttemptRunner runner,
    DispatchSignal signal,
    HeraldOptions options,
    TimeProvider time,
    ILogger<Dispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(1);
    // Long enough for the longest request (60 s timeout) to finish; a dead process's leases come back after it.
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(90);
    // A claimed delivery's lease is its endpoint's timeout plus this: on PostgreSQL, the
    // time after which another process takes over the deliveries of one that died.
    private static readonly TimeSpan LeaseGrace = TimeSpan.FromSeconds(30);
    // One request per endpoint per interval; beyond this many pending payloads, or this much event
    // data, the rest go in the next requests (each under its own batch id).
    private const int MaxBatch = 1000;
    internal const long MaxBatchBytes = 5 * 1024 * 1024;
    private static readonly TimeSpan BusyEndpointBackoff = TimeSpan.FromSeconds(1);
    private readonly HashSet<Task> _inFlight = [];
    // Work holding a worker: in all, per organization and per endpoint; and per endpoint, work
    // claimed but waiting for its endpoint's (or its organization's) share of workers.
    private int _running;
    private readonly Dictionary<string, int> _runningByOrg = [];
    private readonly Dictionary<string, int> _runningByEndpoint = [];
    private readonly Dictionary<string, Waiting> _waitingByEndpoint = [];
    // When each endpoint last freed a slot. Work waiting for an endpoint that frees slots counts
    // against the workers, since claiming more than can run would only send the surplus back to
    // the database (a claim and a release for nothing); work waiting for one that frees none (a
    // hanging receiver) does not, so the other endpoints' deliveries are still claimed.
    private readonly Dictionary<string, long> _lastFreed = [];
    private static readonly TimeSpan Moving = TimeSpan.FromSeconds(1);
    // Set while a task holds an endpoint slot: the attempt frees the slot as soon as the receiver
    // has answered, so the endpoint's next request does not wait for this one's commit.
    private static readonly AsyncLocal<Action?> FreeEndpointSlot = new();

    private readonly Lock _gate = new();
    private CancellationTokenSource? _sendCancellation;
    private bool _probeDue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Delivers)
        {
            // --role api: another process delivers, and this one must not reclaim its leases.
            return;
        }
        _sendCancellation = new CancellationTokenSource();
        var reclaimed = await store.ReclaimAllLeasesAsync();
        if (reclaimed > 0)
        {
            EngineLog.LeasesReclaimed(logger, reclaimed);
        }
        var workers = Math.Max(1, options.Workers);
        var claimNow = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var free = workers - InFlightCount;
                IReadOnlySet<string>? skipOrgs = null;
                if (free <= 0)
                {
                    // Every worker taken: only organizations below their fair share may have more,
                    // looked for once per wake-up (a publish, a freed slot) or per second.
                    (free, skipOrgs) = RoomBeyondWorkers(workers);
                    if (free <= 0 || !claimNow)
                    {
                        await signal.WaitAsync(IdlePoll, stoppingToken);
                        claimNow = true;
                        continue;
                    }
                    var extra = await store.ClaimDueAsync(free, LeaseGrace, skipOrgs);
                    await DispatchAsync(extra);
                    claimNow = extra.Count == free;
                    continue;
                }
                if (_probeDue)
                {
                    await ProbeAsync();
                }
                if (claimNow)
                {
                    var claimed = await store.ClaimDueAsync(free, LeaseGrace);
                    await DispatchAsync(claimed);
                    if (claimed.Count == free)
                    {
                        // A full batch: more is probably due. Claim again as soon as a slot frees.
                        continue;
                    }
                }
                // Idle, this read is the only query a second: claims happen only when something is due
                // or a publish (or a finished attempt) says there may be work.
                var wait = await UntilNextDueAsync();
                if (wait == TimeSpan.Zero)
                {
                    claimNow = true;
                    continue;
                }
                var woken = await signal.WaitAsync(wait, stoppingToken);
                claimNow = woken || wait < IdlePoll;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // One failed iteration (database busy, disk hiccup) must not stop delivery for good.
                EngineLog.DispatchLoopFailed(logger, e);
                claimNow = true;
                await Task.Delay(IdlePoll, time, CancellationToken.None);
            }
        }
    }

    private int InFlightCount
    {
        get
        {
            lock (_gate)
            {
                var count = _inFlight.Count;
                var now = time.GetTimestamp();
                foreach (var (endpointId, waiting) in _waitingByEndpoint)
                {
                    if (_lastFreed.TryGetValue(endpointId, out var freedAt) && time.GetElapsedTime(freedAt, now) < Moving)
                    {
                        count += waiting.Queue.Count;
                    }
                }
                return count;
            }
        }
    }

    private async Task<TimeSpan> UntilNextDueAsync()
    {
        var (delivery, probe) = await store.NextDueAsync();
        var now = time.GetUtcNow();
        if (probe is { } probeAt && probeAt <= now)
        {
            _probeDue = true;
        }
        DateTimeOffset? next = delivery is null ? probe : probe is null ? delivery : delivery < probe ? delivery : probe;
        if (next is null)
        {
            return IdlePoll;
        }
        var wait = next.Value - now;
        return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait < IdlePoll ? wait : IdlePoll;
    }

    /// <summary>One waiting delivery per open-circuit endpoint whose probe is due, sent outside its schedule.</summary>
    private async Task ProbeAsync()
    {
        _probeDue = false;
        foreach (var probe in await store.ClaimProbesAsync(Lease, options.CircuitProbeInterval))
        {
            var endpoint = await catalog.FindAsync(probe.OrgId, probe.EndpointId);
            Start(probe.OrgId, probe.EndpointId, [probe.Id], () => ProcessAsync(probe, endpoint, isProbe: true));
        }
    }

    /// <summary>Each claimed delivery goes out on its own task, except a deferred batch endpoint's, which go out together.</summary>
    private async Task DispatchAsync(IReadOnlyList<ClaimedDelivery> claimed)
    {
        foreach (var group in claimed.GroupBy(d => (d.OrgId, d.EndpointId)))
        {
            var endpoint = await catalog.FindAsync(group.Key.OrgId, group.Key.EndpointId);
            if (endpoint is not null && Fanout.IsBatch(endpoint.Spec))
            {
                var members = group.ToList();
                Start(group.Key.OrgId, endpoint.Id, [.. members.Select(d => d.Id)], () => ProcessBatchAsync(endpoint, members));
                continue;
            }
            foreach (var delivery in group)
            {
                Start(delivery.OrgId, delivery.EndpointId, [delivery.Id], () => ProcessAsync(delivery, endpoint));
            }
        }
    }

    /// <summary>
    /// Runs work for an endpoint within its share of the workers, so a slow or hanging receiver
    /// cannot take every worker from the healthy ones, and within its organization's share (see
    /// <see cref="CanStart"/>). Work beyond the shares waits in a short local queue; beyond that,
    /// the deliveries go back to the database, due a moment later (no attempt used).
    /// </summary>
    private void Start(string orgId, string endpointId, IReadOnlyList<string> deliveryIds, Func<Task> work)
    {
        var share = EndpointShare;
        var overflow = false;
        lock (_gate)
        {
            // Work already waiting for the endpoint goes first.
            if (!_waitingByEndpoint.TryGetValue(endpointId, out var waiting) && CanStart(orgId, endpointId))
            {
                Reserve(orgId, endpointId);
            }
            else
            {
                if (waiting is null)
                {
                    waiting = new Waiting(orgId);
                    _waitingByEndpoint[endpointId] = waiting;
                }
                if (waiting.Queue.Count < share * 2)
                {
                    waiting.Queue.Enqueue(store.IsShared ? WithinLease(deliveryIds, work) : work);
                    return;
                }
                overflow = true;
            }
        }
        Run(overflow
            // Over its share and its queue: back to the database, due a moment later; no attempt used.
            ? () => store.ReleaseAsync([.. deliveryIds], park: false, dueAt: time.GetUtcNow() + BusyEndpointBackoff)
            : Counted(orgId, endpointId, work));
    }

    /// <summary>
    /// Whether work of this endpoint may take a worker now (under <see cref="_gate"/>): the endpoint
    /// is below its share, and either a worker is free or the organization is below its fair share.
    /// In all, never more than twice the workers.
    /// </summary>
    private bool CanStart(string orgId, string endpointId)
    {
        var workers = Math.Max(1, options.Workers);
        if (_runningByEndpoint.GetValueOrDefault(endpointId) >= EndpointShare || _running >= workers * 2)
        {
            return false;
        }
        return _running < workers || _runningByOrg.GetValueOrDefault(orgId) < OrgShare(orgId, workers);
    }

    /// <summary>The workers divided between the organizations running work, this one included (under <see cref="_gate"/>).</summary>
    private int OrgShare(string orgId, int workers) =>
        Math.Max(1, workers / (_runningByOrg.Count + (_runningByOrg.ContainsKey(orgId) ? 0 : 1)));

    /// <summary>
    /// With every worker taken: how many more deliveries may be claimed, and the organizations that
    /// may not have them (those at their fair share with a newcomer counted).
    /// </summary>
    private (int Room, IReadOnlySet<string> SkipOrgs) RoomBeyondWorkers(int workers)
    {
        lock (_gate)
        {
            var share = Math.Max(1, workers / (_runningByOrg.Count + 1));
            var skip = _runningByOrg.Where(o => o.Value >= share).Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var waiting in _waitingByEndpoint.Values)
            {
                // Work already claimed and waiting: claiming more for its organization would only add to the queue.
                skip.Add(waiting.OrgId);
            }
            return (Math.Min(share, workers * 2 - _running), skip);
        }
    }

    private void Reserve(string orgId, string endpointId)
    {
        _running++;
        _runningByOrg[orgId] = _runningByOrg.GetValueOrDefault(orgId) + 1;
        _runningByEndpoint[endpointId] = _runningByEndpoint.GetValueOrDefault(endpointId) + 1;
    }

    /// <summary>
    /// On a shared database, work that waited locally too long goes back to the database unattempted:
    /// its lease must outlast the attempt, or another process would take it over and send it too.
    /// </summary>
    private Func<Task> WithinLease(IReadOnlyList<string> deliveryIds, Func<Task> work)
    {
        var queuedAt = time.GetTimestamp();
        return () => time.GetElapsedTime(queuedAt) > LeaseGrace / 2
            ? store.ReleaseAsync([.. deliveryIds], park: false)
            : work();
    }

    /// <summary>
    /// Work that holds a worker (and one of its endpoint's and organization's slots) until the
    /// receiver answered (or the work ended); then waiting work that may run takes the worker.
    /// </summary>
    private Func<Task> Counted(string orgId, string endpointId, Func<Task> work) => async () =>
    {
        var freed = 0;
        void Free()
        {
            if (Interlocked.Exchange(ref freed, 1) != 0)
            {
                return;
            }
            List<(string OrgId, string EndpointId, Func<Task> Work)> next;
            lock (_gate)
            {
                _lastFreed[endpointId] = time.GetTimestamp();
                _running--;
                if (--_runningByOrg[orgId] == 0)
                {
                    _runningByOrg.Remove(orgId);
                }
                if (--_runningByEndpoint[endpointId] == 0)
                {
                    _runningByEndpoint.Remove(endpointId);
                    if (!_waitingByEndpoint.ContainsKey(endpointId))
                    {
                        _lastFreed.Remove(endpointId);
                    }
                }
                next = TakeRunnable(endpointId);
            }
            foreach (var (nextOrg, nextEndpoint, nextWork) in next)
            {
                Run(Counted(nextOrg, nextEndpoint, nextWork));
            }
        }
        FreeEndpointSlot.Value = Free;
        try
        {
            await work();
        }
        finally
        {
            Free();
        }
    };

    /// <summary>
    /// Waiting work that may run now, with its worker reserved (under <see cref="_gate"/>): the freed
    /// endpoint's first, then the other endpoints', organizations running least first.
    /// </summary>
    private List<(string OrgId, string EndpointId, Func<Task> Work)> TakeRunnable(string freedEndpointId)
    {
        var runnable = new List<(string, string, Func<Task>)>();
        if (_waitingByEndpoint.Count == 0)
        {
            return runnable;
        }
        // Usually one endpoint waits, the one that just freed a slot: no ordering to do.
        List<string> order = _waitingByEndpoint.Count == 1
            ? [.. _waitingByEndpoint.Keys]
            : [.. _waitingByEndpoint
                .OrderBy(w => w.Key == freedEndpointId ? 0 : 1)
                .ThenBy(w => _runningByOrg.GetValueOrDefault(w.Value.OrgId))
                .Select(w => w.Key)];
        foreach (var endpointId in order)
        {
            var waiting = _waitingByEndpoint[endpointId];
            while (waiting.Queue.Count > 0 && CanStart(waiting.OrgId, endpointId))
            {
                Reserve(waiting.OrgId, endpointId);
                runnable.Add((waiting.OrgId, endpointId, waiting.Queue.Dequeue()));
            }
            if (waiting.Queue.Count == 0)
            {
                _waitingByEndpoint.Remove(endpointId);
            }
        }
        return runnable;
    }

    /// <summary>Work claimed for one endpoint, waiting for a worker, and the endpoint's organization.</summary>
    private sealed class Waiting(string orgId)
    {
        public string OrgId { get; } = orgId;

        public Queue<Func<Task>> Queue { get; } = new();
    }

    private void Run(Func<Task> work)
    {
        var task = Task.Run(work);
        lock (_gate)
        {
            _inFlight.Add(task);
        }
        task.ContinueWith(t =>
        {
            lock (_gate)
            {
                _inFlight.Remove(t);
            }
            signal.Notify();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>A quarter of the workers, at least four: one endpoint never holds them all.</summary>
    private int EndpointShare => Math.Min(Math.Max(1, options.Workers), Math.Max(4, options.Workers / 4));

    private async Task ProcessAsync(ClaimedDelivery delivery, Endpoint? endpoint, bool isProbe = false)
    {
        try
        {
            if (endpoint is null || !endpoint.Spec.Enabled || (endpoint.CircuitOpen && !isProbe))
            {
                // Deleted (its deliveries were cancelled), disabled, or paused by its circuit since the
                // claim: hand it back parked, no attempt used.
                await store.ReleaseAsync([delivery.Id], park: true);
                return;
            }
            if (isProbe)
            {
                // A probe tests the receiver; failing, it leaves the delivery's schedule as it was.
                await runner.RunAsync(delivery, endpoint, manual: true, _sendCancellation!.Token);
                return;
            }
            if (endpoint.Spec.RateLimit is { } rate
                && await store.TakeSendSlotAsync(delivery.Id, endpoint.Id, rate) == SlotDecision.Deferred)
            {
                // Put back until its turn: waiting here would hold a worker that other endpoints need.
                return;
            }
            // The slot is freed once the receiver answered; the lease holds until the outcome is committed.
            await runner.RunAsync(delivery, endpoint, manual: false, _sendCancellation!.Token, onAnswered: FreeEndpointSlot.Value);
        }
        catch (OperationCanceledException) when (_sendCancellation!.IsCancellationRequested)
        {
            // Cut off by shutdown before an answer: not an attempt. Hand the delivery back, due now.
            await store.ReleaseAsync([delivery.Id], park: false);
        }
        catch (Exception e)
        {
            // The lease stays; the delivery comes back when it expires or at the next start.
            EngineLog.AttemptCrashed(logger, delivery.Id, e);
        }
    }

    private async Task ProcessBatchAsync(Endpoint endpoint, List<ClaimedDelivery> claimed)
    {
        IReadOnlyList<string> held = [.. claimed.Select(d => d.Id)];
        try
        {
            if (!endpoint.Spec.Enabled || endpoint.CircuitOpen)
            {
                await store.ReleaseAsync(held, park: true);
                return;
            }
            // Checkpoint: every due delivery of the endpoint that fits is leased and the batch ids are
            // stored before the request goes out, so a retry after a crash reuses the same webhook-id.
            var batches = await store.ExpandBatchAsync(endpoint.Id, held, Lease, MaxBatch, MaxBatchBytes, () => Ids.New(Ids.Batch, time.GetUtcNow()));
            held = [.. batches.SelectMany(b => b)];
            if (batches.Count == 0)
            {
                return;
            }
            // One request per lease: the other batches, their ids stored, are due again at once for
            // the next claim, so a run of large batches never outlasts its lease.
            if (batches.Count > 1)
            {
                await store.ReleaseAsync([.. batches.Skip(1).SelectMany(b => b)], park: false);
                held = batches[0];
            }
            var batch = await store.LoadBatchAsync(batches[0]);
            if (batch.Count > 0)
            {
                await runner.RunBatchAsync(endpoint, batch, _sendCancellation!.Token);
            }
        }
        catch (OperationCanceledException) when (_sendCancellation!.IsCancellationRequested)
        {
            await store.ReleaseAsync(held, park: false);
        }
        catch (Exception e)
        {
            EngineLog.AttemptCrashed(logger, claimed[0].BatchId ?? claimed[0].Id, e);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        Task[] pending;
        lock (_gate)
        {
            pending = [.. _inFlight];
        }
        // In-flight requests get a bounded grace period to finish and be recorded; the rest are cut
        // off and their leases come back at the next start (at-least-once, docs/guarantees.md).
        var grace = Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None);
        if (await Task.WhenAny(Task.WhenAll(pending), grace) == grace)
        {
            await (_sendCancellation?.CancelAsync() ?? Task.CompletedTask);
            await Task.WhenAny(Task.WhenAll(pending), Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
        }
    }
}

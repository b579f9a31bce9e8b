using System.Diagnostics;
using Herald.Core;
using Herald.Core.Model;
using Herald.Storage.Relational;

namespace Herald.Storage;

public sealed partial class HeraldStore
{
    // Endpoints one claim statement asks for by name (each is an arm of a compound SELECT; SQLite
    // allows 500). Beyond them, and beyond the listed endpoints, the oldest due work fills the claim.
    private const int MaxClaimArms = 200;
    private const int MaxListedEndpoints = 10_000;
    // The list of endpoints with pending work is read again at least this often…
    private static readonly TimeSpan PendingListMaxAge = TimeSpan.FromSeconds(1);
    // …and, after new work was seen, as soon as this long and ten times the last reading have passed:
    // the reading never takes more than a tenth of the time, however many endpoints there are.
    private static readonly TimeSpan PendingListMinAge = TimeSpan.FromMilliseconds(25);

    private readonly SemaphoreSlim _pendingGate = new(1, 1);
    private PendingEndpoint[] _pending = [];
    private Dictionary<string, long?> _pendingDue = [];
    private long _pendingListedAt;
    private TimeSpan _pendingReadTook;
    private volatile bool _pendingStale = true;
    private long _claimTurn;
    // When (store clock, ms) expired leases were last looked for: a shared database's claims look at
    // most once a second, not in every claim (a lease lasts tens of seconds; NextDue wakes a
    // dispatcher when one expires).
    private long _leasesCheckedAt;
    private static readonly long LeaseCheckEveryMs = 1_000;
    private string? _pendingEndpointsSql;
    private readonly string?[] _perEndpointClaimSql = new string?[MaxClaimArms + 1];

    private readonly record struct PendingEndpoint(string EndpointId, string OrgId, long? DueAt);

    /// <summary>
    /// Leases up to <paramref name="limit"/> due deliveries, each for its endpoint's timeout plus
    /// <paramref name="grace"/>. A leased delivery is invisible to other claims until completed or
    /// until its lease expires: on a shared database, a dead process's leases come back to the
    /// living ones here.
    /// The claim is shared fairly (<see cref="FairShares"/>): first between the organizations with
    /// due work, then between each one's endpoints, each endpoint's oldest due first, so a backlog
    /// of one never pushes back another's due delivery; what the shares leave unused goes to the
    /// oldest due work of anyone. Organizations in <paramref name="skipOrgs"/> get nothing (they
    /// hold their fair share of the workers already).
    /// </summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(int limit, TimeSpan grace, IReadOnlySet<string>? skipOrgs = null)
    {
        var (listed, listedDue) = await PendingEndpointsAsync();
        var turn = Interlocked.Increment(ref _claimTurn);
        var skipping = skipOrgs is { Count: > 0 };
        if (skipping && _dialect.OwnsDatabaseAlone && !listed.Any(e => e.DueAt <= Now && !skipOrgs!.Contains(e.OrgId)))
        {
            // Nothing another organization could have: no write transaction for nothing (this
            // claim runs whenever a worker frees while every worker is taken).
            return [];
        }
        return await WriteAsync<IReadOnlyList<ClaimedDelivery>>(async (c, t) =>
        {
            var now = Now;
            if (!_dialect.OwnsDatabaseAlone
                && LeasesDueForCheck(now)
                && await c.ExecuteAsync(t, """
                    UPDATE deliveries SET status = 'pending', lease_until = NULL, next_attempt_at = COALESCE(next_attempt_at, @now), updated_at = @now
                    WHERE status = 'delivering' AND lease_until < @now
                    """, ("@now", now)) > 0)
            {
                _pendingStale = true;
            }
            var due = listed
                .Where(e => e.DueAt <= now && !(skipping && skipOrgs!.Contains(e.OrgId)))
                .Select(e => (e.OrgId, e.EndpointId))
                .ToList();
            // One endpoint due (and no one to skip): there is nobody to be fair to, and the oldest-due
            // statement below is the same claim in one statement less.
            var quotas = due.Count > 1 || skipping ? FairShares.Split(due, limit, turn, MaxClaimArms) : [];
            var ids = new List<string>(limit);
            var loaded = new List<ClaimedDelivery>();
            if (quotas.Count > 0)
            {
                var args = new (string, object?)[3 + quotas.Count * 2];
                args[0] = ("@now", now);
                args[1] = ("@grace", (long)grace.TotalMilliseconds);
                args[2] = ("@timeout", LongestTimeoutMs);
                for (var i = 0; i < quotas.Count; i++)
                {
                    args[3 + i * 2] = ($"@e{i}", quotas[i].EndpointId);
                    args[4 + i * 2] = ($"@q{i}", quotas[i].Quota);
                }
                if (_dialect.ClaimReturnsRows)
                {
                    loaded.AddRange(await c.QueryAsync(t, PerEndpointClaimSql(quotas.Count), MapClaimedPending, args));
                    ids.AddRange(loaded.Select(d => d.Id));
                }
                else
                {
                    ids.AddRange(await c.QueryAsync(t, PerEndpointClaimSql(quotas.Count), r => r.GetString(0), args));
                }
            }
            // Skipped organizations' work must stay put, and finding the others' past a backlog
            // would cost a scan of it: with organizations to skip, the listed endpoints are all.
            if (ids.Count < limit && !skipping)
            {
                (string, object?)[] args = [("@now", now), ("@grace", (long)grace.TotalMilliseconds), ("@timeout", LongestTimeoutMs), ("@limit", limit - ids.Count)];
                if (_dialect.ClaimReturnsRows)
                {
                    var more = await c.QueryAsync(t, _dialect.ClaimSql, MapClaimedPending, args);
                    loaded.AddRange(more);
                    ids.AddRange(more.Select(d => d.Id));
                }
                else
                {
                    ids.AddRange(await c.QueryAsync(t, _dialect.ClaimSql, r => r.GetString(0), args));
                }
            }
            if (ids.Count == 0)
            {
                return [];
            }
            // PostgreSQL's claims return the deliveries with their events (one round trip); SQLite's return ids.
            var claimed = _dialect.ClaimReturnsRows ? loaded : await LoadClaimedAsync(c, t, ids, DeliveryStatus.Pending);
            if (claimed.Any(d => !listedDue.ContainsKey(d.EndpointId)))
            {
                // Due work of an endpoint the list does not have: it is out of date.
                _pendingStale = true;
            }
            return claimed;
        });
    }

    private bool LeasesDueForCheck(long now)
    {
        var last = Interlocked.Read(ref _leasesCheckedAt);
        return now - last >= LeaseCheckEveryMs && Interlocked.CompareExchange(ref _leasesCheckedAt, now, last) == last;
    }

    private string PerEndpointClaimSql(int endpoints) =>
        _perEndpointClaimSql[endpoints] ??= _dialect.ClaimReturnsRows
            ? Claims.ReturningRows(Claims.PerEndpointStatement(endpoints, _dialect.ForUpdateSkipLocked, _dialect.PendingByEndpointIndex))
            : Claims.PerEndpointStatement(endpoints, _dialect.ForUpdateSkipLocked, _dialect.PendingByEndpointIndex);

    /// <summary>Says the list of endpoints with pending work may be missing one: new work was stored.</summary>
    private void PendingWorkChanged() => _pendingStale = true;

    /// <summary>
    /// Work committed for an endpoint, due at <paramref name="dueAt"/>: the list is out of date only
    /// when it lacks the endpoint or has it due later (a publish to a listed endpoint, the usual
    /// case under load, costs no reading).
    /// </summary>
    private void PendingWorkAdded(string endpointId, long dueAt)
    {
        if (!_pendingDue.TryGetValue(endpointId, out var listedDue) || listedDue is null || listedDue > dueAt)
        {
            _pendingStale = true;
        }
    }

    /// <summary>The endpoints with pending work, read again when out of date (at most as often as the reading allows).</summary>
    private async Task<(PendingEndpoint[] Endpoints, Dictionary<string, long?> DueAt)> PendingEndpointsAsync()
    {
        await _pendingGate.WaitAsync();
        try
        {
            var now = Stopwatch.GetTimestamp();
            var age = _pendingListedAt == 0 ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(_pendingListedAt, now);
            var gap = TimeSpan.FromTicks(Math.Max(PendingListMinAge.Ticks, _pendingReadTook.Ticks * 10));
            if (age < gap || (age < PendingListMaxAge && !_pendingStale))
            {
                return (_pending, _pendingDue);
            }
            _pendingStale = false;
            var sql = _pendingEndpointsSql ??= Claims.PendingEndpoints(_dialect.PendingByEndpointIndex);
            _pending = [.. await ReadAsync(c => c.QueryAsync(null, sql, r => new PendingEndpoint(r.GetString(0), r.GetString(1), r.NullableInt64(2)), ("@max", MaxListedEndpoints)))];
            _pendingDue = _pending.ToDictionary(e => e.EndpointId, e => e.DueAt, StringComparer.Ordinal);
            _pendingListedAt = Stopwatch.GetTimestamp();
            _pendingReadTook = Stopwatch.GetElapsedTime(now, _pendingListedAt);
            return (_pending, _pendingDue);
        }
        finally
        {
            _pendingGate.Release();
        }
    }
}

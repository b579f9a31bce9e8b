using System.Text;
using Herald.Core;
using Herald.Core.Model;
using Herald.Core.Policies;
using Herald.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Storage;

/// <summary>
/// What every storage backend must do, run against each real backend through a subclass
/// (a backend that is not tested is not supported).
/// </summary>
public abstract class StoreContractTests : IAsyncLifetime
{
    protected readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 22, 23, 15, 0, TimeSpan.Zero));
    private readonly List<HeraldStore> _opened = [];

    protected HeraldStore Store { get; private set; } = null!;

    /// <summary>Opens (and migrates) the backend's database; opening it again must see the same data.</summary>
    protected abstract Task<HeraldStore> OpenAsync();

    public async Task InitializeAsync() => Store = await TrackAsync(OpenAsync());

    public async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }
        await CleanupAsync();
    }

    protected virtual Task CleanupAsync() => Task.CompletedTask;

    private async Task<HeraldStore> TrackAsync(Task<HeraldStore> opening)
    {
        var store = await opening;
        _opened.Add(store);
        return store;
    }

    private async Task<(string OrgId, StoredEndpoint Endpoint)> OrgWithEndpointAsync(bool enabled = true)
    {
        var org = await Store.CreateOrgAsync("org-" + Guid.NewGuid().ToString("N"));
        var now = Clock.GetUtcNow();
        var endpoint = new StoredEndpoint(Ids.New(Ids.Endpoint), org.Id, "ep-" + Guid.NewGuid().ToString("N"), enabled, null, false,
            [1, 2, 3], [4, 5, 6], now, now);
        await Store.CreateEndpointAsync(endpoint);
        return (org.Id, endpoint);
    }

    private NewEvent Event(string orgId, params string[] endpointIds)
    {
        var now = Times.Truncate(Clock.GetUtcNow());
        var evt = new HeraldEvent(Ids.New(Ids.Event, now), orgId, "inspection.started", new ResourceRef("inspection", "a1"),
            """{"type":"user"}""", null, now, Encoding.UTF8.GetBytes("""{"score": 1}"""));
        return new NewEvent(evt, [.. endpointIds.Select(id => new NewDelivery(Ids.New(Ids.Delivery, now), id))]);
    }

    /// <summary>An event whose data is a JSON string of <paramref name="bytes"/> bytes, a millisecond after the previous one (so ids sort in publish order).</summary>
    private NewEvent SizedEvent(string orgId, string endpointId, int bytes)
    {
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        var published = Event(orgId, endpointId);
        return published with { Event = published.Event with { Data = Encoding.UTF8.GetBytes("\"" + new string('x', bytes - 2) + "\"") } };
    }

    private static AttemptOutcome Outcome(ClaimedDelivery d, DeliveryStatus status, DateTimeOffset now, DateTimeOffset? next = null) =>
        new(new Attempt(Ids.New(Ids.Attempt), d.Id, now, 12, new AttemptRequest("POST", "http://x/", new Dictionary<string, string> { ["a"] = "b" }),
            new AttemptResponse(500, new Dictionary<string, string>(), "no"), null), status, d.ScheduledFailures + 1, next);

    [Fact]
    public async Task Migrations_AreIdempotent_AcrossReopen()
    {
        var version = (await Store.SchemaVersionAsync());
        Assert.True(version >= 1);
        var again = await TrackAsync(OpenAsync());
        Assert.Equal(version, (await again.SchemaVersionAsync()));
    }

    [Fact]
    public async Task Publish_StoresTheEventAndItsDeliveries_Together()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        var published = Event(org, endpoint.Id);
        Assert.Null((await Store.PublishAsync(published, null, Clock.GetUtcNow())).Existing);

        var stored = (await Store.GetEventAsync(org, published.Event.Id))!;
        Assert.Equal(published.Event.Data, stored.Data);
        Assert.Equal("a1", stored.Resource!.Id);
        var deliveries = (await Store.ListDeliveriesAsync(org, new DeliveryQuery(null, published.Event.Id, null, null, null, null, 50))).Items;
        Assert.Equal(DeliveryStatus.Pending, Assert.Single(deliveries).Status);
        Assert.Null((await Store.GetEventAsync("org_other", published.Event.Id)));
    }

    [Fact]
    public async Task Idempotency_ReturnsTheFirstRecord_InsideTheWindowOnly()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        var record = new IdempotencyRecord("k1", [1], 202, [9]);
        Assert.Null((await Store.PublishAsync(Event(org, endpoint.Id), record, Clock.GetUtcNow().AddHours(-24))).Existing);
        var second = await Store.PublishAsync(Event(org, endpoint.Id), record with { BodyHash = [2] }, Clock.GetUtcNow().AddHours(-24));
        Assert.Equal([1], second.Existing!.BodyHash);
        Assert.Single((await Store.ListEventsAsync(org, new EventQuery(null, null, null, null, null, null, 50))).Items);

        // Outside the window the key is free again.
        var third = await Store.PublishAsync(Event(org, endpoint.Id), record with { BodyHash = [3] }, Clock.GetUtcNow().AddMinutes(1));
        Assert.Null(third.Existing);
    }

    [Fact]
    public async Task Claim_LeasesEachDueDeliveryOnce_AndCompletionMovesItOn()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        await Store.PublishAsync(Event(org, endpoint.Id), null, Clock.GetUtcNow());
        await Store.PublishAsync(Event(org, endpoint.Id), null, Clock.GetUtcNow());

        var claimed = await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(90));
        Assert.Equal(2, claimed.Count(c => c.OrgId == org));
        Assert.DoesNotContain(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(90)), c => c.OrgId == org);

        var first = claimed.First(c => c.OrgId == org);
        var retryAt = Clock.GetUtcNow().AddSeconds(5);
        await Store.CompleteAsync(Outcome(first, DeliveryStatus.Pending, Clock.GetUtcNow(), retryAt));
        var delivery = (await Store.GetDeliveryAsync(org, first.Id))!;
        Assert.Equal(DeliveryStatus.Pending, delivery.Status);
        Assert.Equal(1, delivery.AttemptCount);
        Assert.Equal(Times.Truncate(retryAt), delivery.NextAttemptAt);
        Assert.Single((await Store.ListAttemptsAsync(first.Id)));

        // Not due yet; due once the clock passes the retry time.
        Assert.DoesNotContain(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(90)), c => c.Id == first.Id);
        Clock.Advance(TimeSpan.FromSeconds(6));
        var again = Assert.Single(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(90)), c => c.Id == first.Id);
        Assert.Equal(1, again.ScheduledFailures);
        Assert.Equal(1, again.AttemptCount);
    }

    [Fact]
    public async Task DisablingAnEndpoint_ParksItsPendingDeliveries_AndEnablingReleasesThem()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        var published = Event(org, endpoint.Id);
        await Store.PublishAsync(published, null, Clock.GetUtcNow());
        await Store.SetEndpointEnabledAsync(org, endpoint.Id, false, "paused");

        Assert.DoesNotContain(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(90)), c => c.OrgId == org);
        Assert.Equal("paused", (await Store.GetEndpointAsync(org, endpoint.Id))!.DisabledReason);

        var enabled = await Store.SetEndpointEnabledAsync(org, endpoint.Id, true, null);
        Assert.Null(enabled!.DisabledReason);
        Assert.Contains(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(90)), c => c.OrgId == org);
    }

    [Fact]
    public async Task DeletingAnEndpoint_CancelsItsOpenDeliveries()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        var published = Event(org, endpoint.Id);
        await Store.PublishAsync(published, null, Clock.GetUtcNow());
        Assert.True(await Store.DeleteEndpointAsync(org, endpoint.Id));
        Assert.False(await Store.DeleteEndpointAsync(org, endpoint.Id));
        var delivery = (await Store.ListDeliveriesAsync(org, new DeliveryQuery(null, published.Event.Id, null, null, null, null, 50))).Items.Single();
        Assert.Equal(DeliveryStatus.Cancelled, delivery.Status);
        await Assert.ThrowsAsync<ConflictException>(() => Store.ClaimOneAsync(org, delivery.Id, TimeSpan.FromSeconds(90)));
    }

    [Fact]
    public async Task Recover_RequeuesFailedDeliveries_OfEventsInsideTheWindow()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        var early = Event(org, endpoint.Id);
        await Store.PublishAsync(early, null, Clock.GetUtcNow());
        Clock.Advance(TimeSpan.FromMinutes(10));
        var late = Event(org, endpoint.Id);
        await Store.PublishAsync(late, null, Clock.GetUtcNow());
        foreach (var claimed in (await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(90))).Where(c => c.OrgId == org))
        {
            await Store.CompleteAsync(Outcome(claimed, DeliveryStatus.Failed, Clock.GetUtcNow()));
        }

        var since = late.Event.CreatedAt.AddMinutes(-1);
        Assert.Equal(1, await Store.RecoverAsync(org, endpoint.Id, true, since, Clock.GetUtcNow().AddMinutes(1)));
        var requeued = Assert.Single(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(90)), c => c.OrgId == org);
        Assert.Equal(late.Event.Id, requeued.Event.Id);
        Assert.Equal(0, requeued.ScheduledFailures);
    }

    [Fact]
    public async Task EndpointNames_AreUniquePerOrganization()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        var clash = endpoint with { Id = Ids.New(Ids.Endpoint) };
        await Assert.ThrowsAsync<ConflictException>(() => Store.CreateEndpointAsync(clash));
        var (otherOrg, _) = await OrgWithEndpointAsync();
        await Store.CreateEndpointAsync(clash with { OrgId = otherOrg });
        Assert.NotNull((await Store.GetEndpointAsync(otherOrg, clash.Id)));
        Assert.Null((await Store.GetEndpointAsync(org, clash.Id)));
    }

    [Fact]
    public async Task AFailingWrite_DoesNotTakeDownTheOthersCommittedWithIt()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        var clash = endpoint with { Id = Ids.New(Ids.Endpoint) };
        var writes = Enumerable.Range(0, 50)
            .Select(i => i % 10 == 0 ? (Task)Store.CreateEndpointAsync(clash) : Store.CreateOrgAsync("batch-" + Guid.NewGuid().ToString("N")))
            .ToList();
        await Task.WhenAll(writes.Select(async w =>
        {
            try
            {
                await w;
            }
            catch (ConflictException)
            {
            }
        }));
        Assert.Equal(45, writes.Count(w => w.IsCompletedSuccessfully));
        Assert.Equal(5, writes.Count(w => w.Exception?.InnerException is ConflictException));
        Assert.Null((await Store.GetEndpointAsync(org, clash.Id)));
    }

    [Fact]
    public async Task ApiKeys_AreFoundByHashOnly()
    {
        var org = await Store.CreateOrgAsync("keys-" + Guid.NewGuid().ToString("N"));
        var token = ApiKeys.NewToken();
        var key = await Store.CreateKeyAsync(org.Id, "ci", Role.Publisher, false, ApiKeys.Hash(token));
        Assert.Equal(key.Id, (await Store.FindKeyByHashAsync(ApiKeys.Hash(token)))!.Id);
        Assert.Null((await Store.FindKeyByHashAsync(ApiKeys.Hash(token + "x"))));
        Assert.True(await Store.DeleteKeyAsync(org.Id, key.Id));
        Assert.Null((await Store.FindKeyByHashAsync(ApiKeys.Hash(token))));
    }

    private static AttemptOutcome Failure(ClaimedDelivery d, DateTimeOffset now, HealthPolicy policy, DateTimeOffset? next = null) =>
        Outcome(d, DeliveryStatus.Pending, now, next ?? now.AddSeconds(1)) with
        {
            Health = new EndpointHealth(d.OrgId, d.EndpointId, RequestVerdict.Failure, policy),
        };

    private static AttemptOutcome Success(ClaimedDelivery d, DateTimeOffset now, HealthPolicy policy) =>
        Outcome(d, DeliveryStatus.Succeeded, now) with
        {
            Health = new EndpointHealth(d.OrgId, d.EndpointId, RequestVerdict.Success, policy),
        };

    [Fact]
    public async Task CircuitBreaker_OpensAfterTheThreshold_ParksTheBacklog_AndAProbeClosesIt()
    {
        var policy = new HealthPolicy(FailureThreshold: 2, ProbeInterval: TimeSpan.FromSeconds(30), AutoDisableAfter: TimeSpan.FromDays(5));
        var (org, endpoint) = await OrgWithEndpointAsync();
        for (var i = 0; i < 3; i++)
        {
            await Store.PublishAsync(Event(org, endpoint.Id), null, Clock.GetUtcNow());
        }
        var claimed = (await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30))).Where(c => c.OrgId == org).ToList();
        Assert.Equal(3, claimed.Count);
        Assert.Equal(HealthChange.None, await Store.CompleteAsync(Failure(claimed[0], Clock.GetUtcNow(), policy)));
        Assert.Equal(HealthChange.CircuitOpened, await Store.CompleteAsync(Failure(claimed[1], Clock.GetUtcNow(), policy)));
        await Store.CompleteAsync(Failure(claimed[2], Clock.GetUtcNow(), policy));
        Assert.True((await Store.GetEndpointAsync(org, endpoint.Id))!.CircuitOpen);

        // Parked: not due however long one waits, until the probe interval has passed.
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30)), c => c.OrgId == org);
        Assert.DoesNotContain(await Store.ClaimProbesAsync(TimeSpan.FromSeconds(90), policy.ProbeInterval), c => c.OrgId == org);
        Clock.Advance(TimeSpan.FromSeconds(25));
        var probe = Assert.Single(await Store.ClaimProbesAsync(TimeSpan.FromSeconds(90), policy.ProbeInterval), c => c.OrgId == org);
        // One probe per interval: asking again at once finds none.
        Assert.DoesNotContain(await Store.ClaimProbesAsync(TimeSpan.FromSeconds(90), policy.ProbeInterval), c => c.OrgId == org);

        Assert.Equal(HealthChange.CircuitClosed, await Store.CompleteAsync(Success(probe, Clock.GetUtcNow(), policy)));
        Assert.False((await Store.GetEndpointAsync(org, endpoint.Id))!.CircuitOpen);
        Assert.Equal(2, (await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30))).Count(c => c.OrgId == org));
    }

    [Fact]
    public async Task CompletionsCommittedTogether_EachDecideFromTheirOwnEndpoint()
    {
        // Regression: on PostgreSQL the completions of one group commit reach the server in one batch,
        // and each must decide from its own endpoint's row, not from a neighbour's in the batch.
        var policy = new HealthPolicy(FailureThreshold: 2, ProbeInterval: TimeSpan.FromSeconds(30), AutoDisableAfter: TimeSpan.FromDays(5));
        var endpoints = new List<(string Org, StoredEndpoint Endpoint)>();
        for (var i = 0; i < 8; i++)
        {
            endpoints.Add(await OrgWithEndpointAsync());
        }
        foreach (var (org, endpoint) in endpoints)
        {
            for (var n = 0; n < 3; n++)
            {
                await Store.PublishAsync(Event(org, endpoint.Id), null, Clock.GetUtcNow());
            }
        }
        var orgs = endpoints.Select(e => e.Org).ToHashSet();
        var claimed = new List<ClaimedDelivery>();
        for (var round = 0; round < 10 && claimed.Count < 24; round++)
        {
            claimed.AddRange((await Store.ClaimDueAsync(100, TimeSpan.FromSeconds(30))).Where(c => orgs.Contains(c.OrgId)));
        }
        Assert.Equal(24, claimed.Count);
        var byEndpoint = claimed.GroupBy(c => c.EndpointId).ToDictionary(g => g.Key, g => g.OrderBy(c => c.Id, StringComparer.Ordinal).ToList());

        // Every other endpoint has failed once: its row is not clean.
        for (var i = 0; i < endpoints.Count; i += 2)
        {
            Assert.Equal(HealthChange.None, await Store.CompleteAsync(Failure(byEndpoint[endpoints[i].Endpoint.Id][0], Clock.GetUtcNow(), policy)));
        }
        // All succeed at once (one group commit, as the writer gathers them): each success clears its own endpoint's failures…
        await Task.WhenAll(endpoints.Select(e => Store.CompleteAsync(Success(byEndpoint[e.Endpoint.Id][1], Clock.GetUtcNow(), policy))));
        // …so one more failure opens no circuit; a failure still counted from before the success would.
        foreach (var (_, endpoint) in endpoints)
        {
            Assert.Equal(HealthChange.None, await Store.CompleteAsync(Failure(byEndpoint[endpoint.Id][2], Clock.GetUtcNow(), policy)));
        }
    }

    [Fact]
    public async Task AGoneEndpoint_IsDisabled_AndItsNotificationStoredInTheSameTransaction()
    {
        var policy = new HealthPolicy(10, TimeSpan.FromMinutes(1), TimeSpan.FromDays(5));
        var (org, endpoint) = await OrgWithEndpointAsync();
        await Store.PublishAsync(Event(org, endpoint.Id), null, Clock.GetUtcNow());
        var claimed = Assert.Single(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30)), c => c.OrgId == org);
        var notice = Event(org) with { };
        var built = new List<string>();
        var outcome = Outcome(claimed, DeliveryStatus.Failed, Clock.GetUtcNow()) with
        {
            Health = new EndpointHealth(org, endpoint.Id, RequestVerdict.Gone("The endpoint answered 410 Gone."), policy),
            DisabledNotice = reason =>
            {
                built.Add(reason);
                return notice with { Event = notice.Event with { Type = "herald.endpoint.disabled", Data = Encoding.UTF8.GetBytes($$"""{"endpoint_id":"x","reason":"{{reason}}"}""") } };
            },
        };
        Assert.Equal(HealthChange.Disabled, await Store.CompleteAsync(outcome));
        Assert.Equal(["The endpoint answered 410 Gone."], built);
        var stored = (await Store.GetEndpointAsync(org, endpoint.Id))!;
        Assert.False(stored.Enabled);
        Assert.Equal("The endpoint answered 410 Gone.", stored.DisabledReason);
        var data = Encoding.UTF8.GetString((await Store.GetEventAsync(org, notice.Event.Id))!.Data);
        Assert.Contains("410 Gone", data);
    }

    [Fact]
    public async Task AFailureThatDoesNotDisable_NeverBuildsTheDisabledNotice()
    {
        var policy = new HealthPolicy(2, TimeSpan.FromMinutes(1), TimeSpan.FromDays(5));
        var (org, endpoint) = await OrgWithEndpointAsync();
        for (var n = 0; n < 3; n++)
        {
            await Store.PublishAsync(Event(org, endpoint.Id), null, Clock.GetUtcNow());
        }
        var built = 0;
        var changes = new List<HealthChange>();
        foreach (var claimed in (await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30))).Where(c => c.OrgId == org).Take(2))
        {
            changes.Add(await Store.CompleteAsync(Outcome(claimed, DeliveryStatus.Pending, Clock.GetUtcNow(), Clock.GetUtcNow().AddMinutes(5)) with
            {
                Health = new EndpointHealth(org, endpoint.Id, RequestVerdict.Failure, policy),
                DisabledNotice = _ =>
                {
                    built++;
                    throw new InvalidOperationException("the notice is built only for a disabling decision");
                },
            }));
        }
        Assert.Equal([HealthChange.None, HealthChange.CircuitOpened], changes);
        Assert.Equal(0, built);
        Assert.True((await Store.GetEndpointAsync(org, endpoint.Id))!.Enabled);
    }

    [Fact]
    public async Task Fifo_HoldsBackLaterDeliveries_UntilTheHeadHasEnded()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        var now = Times.Truncate(Clock.GetUtcNow());
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var e = Event(org);
            var delivery = new NewDelivery(Ids.New(Ids.Delivery, now), endpoint.Id) { Fifo = true };
            ids.Add(delivery.Id);
            await Store.PublishAsync(e with { Deliveries = [delivery] }, null, Clock.GetUtcNow());
        }
        var head = Assert.Single(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30)), c => c.OrgId == org);
        Assert.Equal(ids[0], head.Id);
        Assert.DoesNotContain(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30)), c => c.OrgId == org);
        // A retry keeps its place at the head.
        await Store.CompleteAsync(Outcome(head, DeliveryStatus.Pending, Clock.GetUtcNow(), Clock.GetUtcNow().AddSeconds(5)));
        Assert.DoesNotContain(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30)), c => c.OrgId == org);
        Clock.Advance(TimeSpan.FromSeconds(6));
        head = Assert.Single(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30)), c => c.OrgId == org);
        Assert.Equal(ids[0], head.Id);
        await Store.CompleteAsync(Outcome(head, DeliveryStatus.Succeeded, Clock.GetUtcNow()));
        Assert.Equal(ids[1], Assert.Single(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30)), c => c.OrgId == org).Id);
    }

    [Fact]
    public async Task Claims_AgreeWithTheFifoRule_OnFifoAndUnorderedEndpointsAlike()
    {
        var (org, fifoEndpoint) = await OrgWithEndpointAsync();
        var (otherOrg, unordered) = await OrgWithEndpointAsync();
        var open = new Dictionary<string, SortedSet<string>>
        {
            [fifoEndpoint.Id] = new(StringComparer.Ordinal),
            [unordered.Id] = new(StringComparer.Ordinal),
        };
        var fifo = new Dictionary<string, bool> { [fifoEndpoint.Id] = true, [unordered.Id] = false };
        var now = Times.Truncate(Clock.GetUtcNow());
        foreach (var (o, endpoint) in new[] { (org, fifoEndpoint), (otherOrg, unordered) })
        {
            for (var i = 0; i < 4; i++)
            {
                var delivery = new NewDelivery(Ids.New(Ids.Delivery, now), endpoint.Id) { Fifo = fifo[endpoint.Id] };
                open[endpoint.Id].Add(delivery.Id);
                await Store.PublishAsync(Event(o) with { Deliveries = [delivery] }, null, Clock.GetUtcNow());
            }
        }
        var ended = 0;
        for (var round = 0; round < 12 && ended < 8; round++)
        {
            var claimed = (await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30))).Where(c => c.OrgId == org || c.OrgId == otherOrg).ToList();
            Assert.NotEmpty(claimed);
            foreach (var c in claimed)
            {
                Assert.True(FifoRule.MaySend(fifo[c.EndpointId], c.Id, open[c.EndpointId].Min!), $"{c.Id} claimed while {open[c.EndpointId].Min} is open");
            }
            // Every claimed delivery ends: the next claim finds the next head.
            foreach (var c in claimed)
            {
                await Store.CompleteAsync(Outcome(c, DeliveryStatus.Succeeded, Clock.GetUtcNow()));
                open[c.EndpointId].Remove(c.Id);
                ended++;
            }
        }
        Assert.Equal(8, ended);
    }

    [Fact]
    public async Task RateLimit_SpacesSends_AndPutsTheEarlyOnesBack()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        await Store.PublishAsync(Event(org, endpoint.Id, endpoint.Id), null, Clock.GetUtcNow());
        var claimed = (await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30))).Where(c => c.OrgId == org).ToList();
        Assert.Equal(2, claimed.Count);
        Assert.Equal(SlotDecision.SendNow, await Store.TakeSendSlotAsync(claimed[0].Id, endpoint.Id, ratePerSecond: 1));
        Assert.Equal(SlotDecision.Deferred, await Store.TakeSendSlotAsync(claimed[1].Id, endpoint.Id, ratePerSecond: 1));
        var deferred = (await Store.GetDeliveryAsync(org, claimed[1].Id))!;
        Assert.Equal(DeliveryStatus.Pending, deferred.Status);
        Assert.True(deferred.NextAttemptAt > Clock.GetUtcNow());
        Clock.Advance(TimeSpan.FromSeconds(2));
        var again = Assert.Single(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30)), c => c.OrgId == org);
        Assert.Equal(SlotDecision.SendNow, await Store.TakeSendSlotAsync(again.Id, endpoint.Id, ratePerSecond: 1));
    }

    [Fact]
    public async Task Purge_DeletesOldEndedEvents_ButNeverOnesStillOwed()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        var done = Event(org, endpoint.Id);
        var owed = Event(org, endpoint.Id);
        await Store.PublishAsync(done, null, Clock.GetUtcNow());
        await Store.PublishAsync(owed, null, Clock.GetUtcNow());
        var claimed = (await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30))).Single(c => c.Event.Id == done.Event.Id);
        await Store.CompleteAsync(Outcome(claimed, DeliveryStatus.Succeeded, Clock.GetUtcNow()));
        Clock.Advance(TimeSpan.FromDays(31));
        var cutoff = Clock.GetUtcNow().AddDays(-30);
        Assert.True(await Store.PurgeAsync(cutoff, cutoff, 100) >= 1);
        Assert.Null((await Store.GetEventAsync(org, done.Event.Id)));
        Assert.Empty((await Store.ListAttemptsAsync(claimed.Id)));
        Assert.NotNull((await Store.GetEventAsync(org, owed.Event.Id)));
    }

    [Fact]
    public async Task Release_PutsLeasedDeliveriesBack_DueOrParked()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        await Store.PublishAsync(Event(org, endpoint.Id, endpoint.Id), null, Clock.GetUtcNow());
        var claimed = (await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30))).Where(c => c.OrgId == org).ToList();
        await Store.ReleaseAsync([claimed[0].Id], park: false);
        await Store.ReleaseAsync([claimed[1].Id], park: true);
        Assert.Equal(claimed[0].Id, Assert.Single(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30)), c => c.OrgId == org).Id);
        Assert.Null((await Store.GetDeliveryAsync(org, claimed[1].Id))!.NextAttemptAt);
    }

    [Fact]
    public async Task ManualClaim_TakesOnlyThisOrganizationsDelivery_AndRefusesOneInFlight()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        var published = Event(org, endpoint.Id);
        await Store.PublishAsync(published, null, Clock.GetUtcNow());
        var id = published.Deliveries[0].Id;
        Assert.Null(await Store.ClaimOneAsync("org_someone_else", id, HeraldStore.ManualLease));
        var claimed = await Store.ClaimOneAsync(org, id, HeraldStore.ManualLease);
        Assert.Equal(DeliveryStatus.Pending, claimed!.PreviousStatus);
        await Assert.ThrowsAsync<ConflictException>(() => Store.ClaimOneAsync(org, id, HeraldStore.ManualLease));
    }

    private async Task<StoredEndpoint> SecondEndpointAsync(string orgId)
    {
        var now = Clock.GetUtcNow();
        var endpoint = new StoredEndpoint(Ids.New(Ids.Endpoint), orgId, "ep-" + Guid.NewGuid().ToString("N"), true, null, false, [1, 2, 3], [4, 5, 6], now, now);
        await Store.CreateEndpointAsync(endpoint);
        return endpoint;
    }

    private async Task BacklogAsync(string orgId, string endpointId, int deliveries)
    {
        for (var i = 0; i < deliveries; i++)
        {
            await Store.PublishAsync(Event(orgId, endpointId), null, Clock.GetUtcNow());
        }
    }

    [Fact]
    public async Task Claim_TakesAnotherOrganizationsDueDelivery_AheadOfAnOlderBacklog()
    {
        var (busy, flooded) = await OrgWithEndpointAsync();
        await BacklogAsync(busy, flooded.Id, 60);
        Clock.Advance(TimeSpan.FromSeconds(1));
        var (quiet, endpoint) = await OrgWithEndpointAsync();
        var published = Event(quiet, endpoint.Id);
        await Store.PublishAsync(published, null, Clock.GetUtcNow());

        // Oldest due first, the backlog would fill this claim and the next five.
        var claimed = await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30));

        Assert.Contains(claimed, c => c.Id == published.Deliveries[0].Id);
        Assert.Equal(10, claimed.Count);
    }

    [Fact]
    public async Task Claim_TakesAnotherEndpointsDueDelivery_AheadOfAnOlderBacklogOfTheSameOrganization()
    {
        var (org, flooded) = await OrgWithEndpointAsync();
        await BacklogAsync(org, flooded.Id, 60);
        Clock.Advance(TimeSpan.FromSeconds(1));
        var other = await SecondEndpointAsync(org);
        var published = Event(org, other.Id);
        await Store.PublishAsync(published, null, Clock.GetUtcNow());

        var claimed = await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30));

        Assert.Contains(claimed, c => c.Id == published.Deliveries[0].Id);
        Assert.Equal(10, claimed.Count);
    }

    [Fact]
    public async Task Claim_SplitsBetweenOrganizations_NotByTheirNumberOfEndpoints()
    {
        var (many, first) = await OrgWithEndpointAsync();
        string[] endpoints = [first.Id, .. await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ => (await SecondEndpointAsync(many)).Id))];
        foreach (var endpointId in endpoints)
        {
            await BacklogAsync(many, endpointId, 4);
        }
        var (few, endpoint) = await OrgWithEndpointAsync();
        await BacklogAsync(few, endpoint.Id, 10);

        var claimed = await Store.ClaimDueAsync(12, TimeSpan.FromSeconds(30));

        Assert.Equal(6, claimed.Count(c => c.OrgId == few));
        Assert.Equal(6, claimed.Count(c => c.OrgId == many));
        Assert.Equal(6, claimed.Where(c => c.OrgId == many).Select(c => c.EndpointId).Distinct().Count());
    }

    [Fact]
    public async Task Claim_LeavesTheSkippedOrganizationsWork_ForLater()
    {
        var (busy, flooded) = await OrgWithEndpointAsync();
        await BacklogAsync(busy, flooded.Id, 5);
        var (quiet, endpoint) = await OrgWithEndpointAsync();
        await BacklogAsync(quiet, endpoint.Id, 2);

        var claimed = await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30), new HashSet<string> { busy });

        Assert.Equal(2, claimed.Count);
        Assert.All(claimed, c => Assert.Equal(quiet, c.OrgId));
        Assert.Equal(5, (await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30))).Count(c => c.OrgId == busy));
    }

    [Fact]
    public async Task DeferredBatch_LeasesEveryDueDeliveryOfTheEndpoint_UnderOneBatchId()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        for (var i = 0; i < 3; i++)
        {
            await Store.PublishAsync(Event(org, endpoint.Id), null, Clock.GetUtcNow());
        }
        var first = (await Store.ClaimDueAsync(1, TimeSpan.FromSeconds(30))).Single();
        var batches = await Store.ExpandBatchAsync(endpoint.Id, [first.Id], TimeSpan.FromSeconds(90), 1000, 5 << 20, () => "batch_1");
        var batch = (await Store.LoadBatchAsync(Assert.Single(batches)));
        Assert.Equal(3, batch.Count);
        Assert.All(batch, d => Assert.Equal("batch_1", d.BatchId));
    }

    [Fact]
    public async Task DeferredBatch_IsCutByBytes_LeasesOnlyWhatFits_AndKeepsARetriedBatchWhole()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        for (var i = 0; i < 5; i++)
        {
            await Store.PublishAsync(SizedEvent(org, endpoint.Id, 1000), null, Clock.GetUtcNow());
        }
        var claimed = (await Store.ClaimDueAsync(3, TimeSpan.FromSeconds(30))).Select(d => d.Id).ToList();
        Assert.Equal(3, claimed.Count);
        var next = 0;

        // 1000 bytes each, 2500 per batch: the three claimed make two batches, and nothing more is leased.
        var batches = await Store.ExpandBatchAsync(endpoint.Id, claimed, TimeSpan.FromSeconds(90), 1000, 2500, () => $"batch_{++next}");

        Assert.Equal([2, 1], batches.Select(b => b.Count));
        Assert.Equal(claimed.Order(), batches.SelectMany(b => b).Order());
        Assert.Equal(["batch_1", "batch_1", "batch_2"], (await Task.WhenAll(batches.Select(b => Store.LoadBatchAsync(b)))).SelectMany(b => b).Select(d => d.BatchId));
        Assert.Equal(2, (await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30))).Count); // the two not leased are still due

        // batch_1 comes back with only one member claimed: the other is leased with it, nothing is re-cut.
        await Store.ReleaseAsync([.. batches[0]], park: false);
        var one = (await Store.ClaimDueAsync(1, TimeSpan.FromSeconds(30))).Single();
        Assert.Contains(one.Id, batches[0]);
        var again = await Store.ExpandBatchAsync(endpoint.Id, [one.Id], TimeSpan.FromSeconds(90), 1000, 2500, () => $"batch_{++next}");
        Assert.Equal(batches[0].Order(), Assert.Single(again).Order());
        Assert.All((await Store.LoadBatchAsync(again[0])), d => Assert.Equal("batch_1", d.BatchId));
    }

    [Fact]
    public async Task DeferredBatch_AnEventLargerThanTheLimit_GoesAlone()
    {
        var (org, endpoint) = await OrgWithEndpointAsync();
        var ids = new List<string>();
        foreach (var size in (int[])[100, 5000, 100])
        {
            var published = SizedEvent(org, endpoint.Id, size);
            await Store.PublishAsync(published, null, Clock.GetUtcNow());
            ids.Add(published.Deliveries[0].Id);
        }
        var claimed = (await Store.ClaimDueAsync(3, TimeSpan.FromSeconds(30))).Select(d => d.Id).ToList();
        var next = 0;

        var batches = await Store.ExpandBatchAsync(endpoint.Id, claimed, TimeSpan.FromSeconds(90), 1000, 1000, () => $"batch_{++next}");

        Assert.Equal([[ids[0]], [ids[1]], [ids[2]]], batches.Select(b => b.ToArray()));
    }
}

public sealed class SqliteStoreContractTests : StoreContractTests
{
    private readonly TempDir _dir = TempDir.Create("herald-store");

    protected override Task<HeraldStore> OpenAsync() => Herald.Storage.Sqlite.SqliteStoreFactory.OpenAsync(_dir.Combine("herald.db"), Clock);

    protected override Task CleanupAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Reopening_ReclaimsEveryLease_BecauseOneProcessOwnsTheFile()
    {
        var org = await Store.CreateOrgAsync("lease-org");
        var now = Clock.GetUtcNow();
        var endpoint = new StoredEndpoint(Ids.New(Ids.Endpoint), org.Id, "lease-ep", true, null, false, [1], [2], now, now);
        await Store.CreateEndpointAsync(endpoint);
        var evt = new HeraldEvent(Ids.New(Ids.Event, now), org.Id, "a.b", null, null, null, Times.Truncate(now), [(byte)'1']);
        await Store.PublishAsync(new NewEvent(evt, [new NewDelivery(Ids.New(Ids.Delivery, now), endpoint.Id)]), null, now);
        Assert.Single(await Store.ClaimDueAsync(10, TimeSpan.FromHours(1)));

        await using var restarted = await OpenAsync();
        Assert.Empty(await restarted.ClaimDueAsync(10, TimeSpan.FromHours(1)));
        Assert.Equal(1, await restarted.ReclaimAllLeasesAsync());
        Assert.Single(await restarted.ClaimDueAsync(10, TimeSpan.FromHours(1)));
    }
}

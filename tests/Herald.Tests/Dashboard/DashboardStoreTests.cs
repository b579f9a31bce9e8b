using System.Text;
using Herald.Core;
using Herald.Core.Model;
using Herald.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Dashboard;

/// <summary>The dashboard's aggregate queries, on every backend (their SQL must be portable).</summary>
public abstract class DashboardStoreTests : IAsyncLifetime
{
    protected readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 22, 23, 15, 0, TimeSpan.Zero));

    private HeraldStore _store = null!;

    protected abstract Task<HeraldStore> OpenAsync();

    protected virtual Task CleanupAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => _store = await OpenAsync();

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await CleanupAsync();
    }

    private async Task<string> EndpointAsync(string orgId, string name)
    {
        var now = Clock.GetUtcNow();
        var endpoint = new StoredEndpoint(Ids.New(Ids.Endpoint, now), orgId, name, true, null, false, [1], [2], now, now);
        await _store.CreateEndpointAsync(endpoint);
        return endpoint.Id;
    }

    /// <summary>Publishes one event to <paramref name="endpointId"/>, claims it and records one attempt of <paramref name="durationMs"/>.</summary>
    private async Task DeliverAsync(string orgId, string endpointId, DeliveryStatus outcome, int durationMs)
    {
        var now = Times.Truncate(Clock.GetUtcNow());
        var evt = new HeraldEvent(Ids.New(Ids.Event, now), orgId, "a.b", null, null, null, now, Encoding.UTF8.GetBytes("{}"));
        var deliveryId = Ids.New(Ids.Delivery, now);
        await _store.PublishAsync(new NewEvent(evt, [new NewDelivery(deliveryId, endpointId)]), null, now);
        var claimed = await _store.ClaimOneAsync(orgId, deliveryId, HeraldStore.ManualLease);
        Assert.NotNull(claimed);
        var attempt = new Attempt(Ids.New(Ids.Attempt, now), deliveryId, now, durationMs,
            new AttemptRequest("POST", "http://x/", new Dictionary<string, string>()),
            new AttemptResponse(outcome == DeliveryStatus.Succeeded ? 200 : 500, new Dictionary<string, string>(), ""), null);
        await _store.CompleteAsync(new AttemptOutcome(attempt, outcome, outcome == DeliveryStatus.Pending ? 1 : 0,
            outcome == DeliveryStatus.Pending ? now + TimeSpan.FromMinutes(5) : null));
    }

    [Fact]
    public async Task Aggregates_CountOutcomesAndLatencies_PerBucket_ForOneOrganizationOnly()
    {
        var org = await _store.CreateOrgAsync("dash-" + Guid.NewGuid().ToString("N"));
        var other = await _store.CreateOrgAsync("other-" + Guid.NewGuid().ToString("N"));
        var ok = await EndpointAsync(org.Id, "ok");
        var bad = await EndpointAsync(org.Id, "bad");
        var theirs = await EndpointAsync(other.Id, "theirs");
        var since = Clock.GetUtcNow();

        await DeliverAsync(org.Id, ok, DeliveryStatus.Succeeded, 5);
        await DeliverAsync(org.Id, ok, DeliveryStatus.Succeeded, 30);
        await DeliverAsync(other.Id, theirs, DeliveryStatus.Succeeded, 7);
        Clock.Advance(TimeSpan.FromMinutes(2));
        await DeliverAsync(org.Id, bad, DeliveryStatus.Failed, 45_000);
        await DeliverAsync(org.Id, bad, DeliveryStatus.Pending, 120);
        Clock.Advance(TimeSpan.FromSeconds(1));
        var until = Clock.GetUtcNow();

        var counts = (await _store.DeliveryCountsByEndpointAsync(org.Id, since));
        Assert.Equal(new HeraldStore.DeliveryCounts(2, 0, 0), counts[ok]);
        Assert.Equal(new HeraldStore.DeliveryCounts(0, 1, 1), counts[bad]);
        Assert.False(counts.ContainsKey(theirs));
        Assert.Empty((await _store.DeliveryCountsByEndpointAsync(org.Id, until)));

        var outcomes = (await _store.DeliveryOutcomesAsync(org.Id, since, until, TimeSpan.FromMinutes(1))).OrderBy(o => o.Bucket).ThenBy(o => o.Outcome).ToList();
        Assert.Equal(
            [new(0, "succeeded", 2), new(2, "failed", 1), new(2, "retrying", 1)],
            outcomes);

        var latencies = (await _store.LatencyHistogramAsync(org.Id, since, until, TimeSpan.FromMinutes(1))).OrderBy(l => l.Bucket).ThenBy(l => l.Class).ToList();
        Assert.Equal(
            [new(0, 0, 1), new(0, 2, 1), new(2, 4, 1), new(2, HeraldStore.LatencyBounds.Count, 1)],
            latencies);
        Assert.Empty((await _store.LatencyHistogramAsync(org.Id, until, until + TimeSpan.FromHours(1), TimeSpan.FromMinutes(1))));
    }
}

public sealed class SqliteDashboardStoreTests : DashboardStoreTests
{
    private readonly TempDir _dir = TempDir.Create("herald-dashboard-store");

    protected override Task<HeraldStore> OpenAsync() => Herald.Storage.Sqlite.SqliteStoreFactory.OpenAsync(_dir.Combine("herald.db"), Clock);

    protected override Task CleanupAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class PostgresDashboardStoreTests : DashboardStoreTests
{
    private PostgresDatabase? _database;

    protected override async Task<HeraldStore> OpenAsync()
    {
        _database ??= await PostgresDatabase.CreateAsync();
        return await Herald.Storage.Postgres.PostgresStoreFactory.OpenAsync(_database.ConnectionString, Clock);
    }

    protected override async Task CleanupAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

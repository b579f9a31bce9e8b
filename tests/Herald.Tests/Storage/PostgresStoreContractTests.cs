using System.Text;
using Herald.Core;
using Herald.Core.Model;
using Herald.Storage;
using Herald.Storage.Postgres;
using Npgsql;

namespace Herald.Tests.Storage;

/// <summary>The storage contract on PostgreSQL, plus what only a database shared by several processes must do.</summary>
public sealed class PostgresStoreContractTests : StoreContractTests
{
    private PostgresDatabase? _database;

    protected override async Task<HeraldStore> OpenAsync()
    {
        _database ??= await PostgresDatabase.CreateAsync();
        return await PostgresStoreFactory.OpenAsync(_database.ConnectionString, Clock);
    }

    protected override async Task CleanupAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private async Task<(string OrgId, string EndpointId)> SeedAsync(int events, TimeSpan? timeout = null)
    {
        var org = await Store.CreateOrgAsync("org-" + Guid.NewGuid().ToString("N"));
        var now = Clock.GetUtcNow();
        var endpoint = new StoredEndpoint(Ids.New(Ids.Endpoint), org.Id, "ep", true, null, false, [1], [2], now, now)
        {
            TimeoutMs = (long)(timeout ?? TimeSpan.FromSeconds(15)).TotalMilliseconds,
        };
        await Store.CreateEndpointAsync(endpoint);
        for (var i = 0; i < events; i++)
        {
            var evt = new HeraldEvent(Ids.New(Ids.Event, now), org.Id, "a.b", null, null, null, Times.Truncate(now), Encoding.UTF8.GetBytes("{}"));
            await Store.PublishAsync(new NewEvent(evt, [new NewDelivery(Ids.New(Ids.Delivery, now), endpoint.Id)]), null, now);
        }
        return (org.Id, endpoint.Id);
    }

    [Fact]
    public async Task TwoProcesses_ClaimingAtOnce_NeverLeaseTheSameDelivery()
    {
        await SeedAsync(400);
        await using var other = await PostgresStoreFactory.OpenAsync(_database!.ConnectionString, Clock);
        var mine = new List<ClaimedDelivery>();
        var theirs = new List<ClaimedDelivery>();
        // Many small claims interleaved, so that the two stores' transactions really overlap.
        var a = Task.Run(async () => { for (var i = 0; i < 40; i++) { mine.AddRange(await Store.ClaimDueAsync(7, TimeSpan.FromSeconds(30))); } });
        var b = Task.Run(async () => { for (var i = 0; i < 40; i++) { theirs.AddRange(await other.ClaimDueAsync(7, TimeSpan.FromSeconds(30))); } });
        await Task.WhenAll(a, b);

        Assert.Empty(mine.Select(d => d.Id).Intersect(theirs.Select(d => d.Id)));
        Assert.Equal(400, mine.Count + theirs.Count);
        Assert.NotEmpty(mine);
        Assert.NotEmpty(theirs);
    }

    [Fact]
    public async Task ADeadProcessesLease_ComesBack_AfterTheEndpointTimeoutPlusTheGrace()
    {
        var (org, _) = await SeedAsync(1, timeout: TimeSpan.FromSeconds(5));
        var claimed = Assert.Single(await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30)));

        // "Store" dies with its lease; another process must not take it early, and must take it after.
        await using var survivor = await PostgresStoreFactory.OpenAsync(_database!.ConnectionString, Clock);
        Assert.Equal(0, await survivor.ReclaimAllLeasesAsync());
        Clock.Advance(TimeSpan.FromSeconds(34));
        Assert.Empty(await survivor.ClaimDueAsync(10, TimeSpan.FromSeconds(30)));
        Assert.NotNull((await survivor.NextDueAsync()).Delivery);
        Clock.Advance(TimeSpan.FromSeconds(2));
        var taken = Assert.Single(await survivor.ClaimDueAsync(10, TimeSpan.FromSeconds(30)));
        Assert.Equal(claimed.Id, taken.Id);
        Assert.Equal(DeliveryStatus.Delivering, (await survivor.GetDeliveryAsync(org, claimed.Id))!.Status);
    }

    [Fact]
    public async Task ProcessesStartingTogether_MigrateOnce()
    {
        await using var fresh = await PostgresDatabase.CreateAsync();
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresStoreFactory.OpenAsync(fresh.ConnectionString, Clock)));
        try
        {
            var versions = (await Task.WhenAll(stores.Select(s => s.SchemaVersionAsync()))).Distinct().ToList();
            Assert.Single(versions);
            await using var connection = new NpgsqlConnection(fresh.ConnectionString);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations", connection);
            await using var reader = await count.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal(reader.GetInt64(1), reader.GetInt64(0));
            Assert.Equal(versions[0], reader.GetInt64(0));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task WhatOneProcessWrites_WakesAndInvalidatesTheOthers()
    {
        await using var other = await PostgresStoreFactory.OpenAsync(_database!.ConnectionString, Clock);
        var work = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var endpoints = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var types = new TaskCompletionSource<(string, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var keys = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        other.CachesStale += () => listening.TrySetResult();
        using var stop = new CancellationTokenSource();
        var listen = other.ListenAsync(stop.Token);
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        other.WorkAvailable += () => work.TrySetResult();
        other.EndpointsChanged += org => endpoints.TrySetResult(org);
        other.EventTypeChanged += (org, name) => types.TrySetResult((org, name));
        other.KeyRevoked += id => keys.TrySetResult(id);

        var (org, _) = await SeedAsync(1);
        await work.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(org, await endpoints.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await Store.CreateEventTypeAsync(org, "inspection.started", "d", null);
        Assert.Equal((org, "inspection.started"), await types.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        var key = await Store.CreateKeyAsync(org, "k", Role.Admin, false, ApiKeys.Hash(ApiKeys.NewToken()));
        await Store.DeleteKeyAsync(org, key.Id);
        Assert.Equal(key.Id, await keys.Task.WaitAsync(TimeSpan.FromSeconds(30)));

        await stop.CancelAsync();
        await listen.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task TheRateLimit_IsOneLimit_AcrossProcesses()
    {
        var (_, endpoint) = await SeedAsync(2);
        await using var other = await PostgresStoreFactory.OpenAsync(_database!.ConnectionString, Clock);
        var claimed = await Store.ClaimDueAsync(10, TimeSpan.FromSeconds(30));
        Assert.Equal(2, claimed.Count);
        var decisions = await Task.WhenAll(
            Store.TakeSendSlotAsync(claimed[0].Id, endpoint, ratePerSecond: 1),
            other.TakeSendSlotAsync(claimed[1].Id, endpoint, ratePerSecond: 1));
        Assert.Equal(1, decisions.Count(d => d == SlotDecision.SendNow));
        Assert.Equal(1, decisions.Count(d => d == SlotDecision.Deferred));
    }

    [Theory]
    [InlineData("postgres://herald:s%40cret@db.example:6543/webhooks?sslmode=require", "db.example", 6543, "webhooks", "herald", "s@cret")]
    [InlineData("postgresql://db.example/webhooks", "db.example", 5432, "webhooks", null, null)]
    [InlineData("Host=db.example;Port=5433;Database=webhooks;Username=herald;Password=pw", "db.example", 5433, "webhooks", "herald", "pw")]
    public void ConnectionStrings_InBothSpellings(string text, string host, int port, string database, string? user, string? password)
    {
        var parsed = PostgresConnectionString.Parse(text);
        Assert.Equal(host, parsed.Host);
        Assert.Equal(port, parsed.Port);
        Assert.Equal(database, parsed.Database);
        Assert.Equal(user, parsed.Username);
        Assert.Equal(password, parsed.Password);
        Assert.DoesNotContain(password ?? "\u0000", PostgresConnectionString.Describe(text));
    }

    [Theory]
    [InlineData("postgres://")]
    [InlineData("Host=;Database=x")]
    [InlineData("postgres://u:pw@db.example/x?nonsense_option=1")]
    public void MalformedConnectionStrings_AreRefused_WithoutRepeatingThePassword(string text)
    {
        var error = Assert.Throws<FormatException>(() => PostgresConnectionString.Parse(text));
        Assert.DoesNotContain("pw", error.Message);
    }
}

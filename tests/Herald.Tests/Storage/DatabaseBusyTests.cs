using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Herald.Tests.Storage;

public sealed class DatabaseBusyTests
{
    [Fact]
    public async Task AnotherProcessHoldingTheWriteLock_DelaysWrites_WithoutErrorOrLoss()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync();
        await (await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject { ["name"] = "busy", ["url"] = receiver.Url() }))
            .ExpectStatusAsync(HttpStatusCode.Created);

        // Another program (a backup, a sqlite3 shell) takes the write lock for two seconds.
        await using var intruder = new SqliteConnection($"Data Source={Path.Combine(server.DataDir, "herald.db")};Pooling=False");
        await intruder.OpenAsync();
        await using var hold = intruder.CreateCommand();
        hold.CommandText = "BEGIN IMMEDIATE";
        await hold.ExecuteNonQueryAsync();
        var publishes = Enumerable.Range(0, 20)
            .Select(i => server.Client.PostJsonAsync("/v1/events", new JsonObject { ["type"] = "a.b", ["data"] = i }))
            .ToList();
        await Task.Delay(2000);
        Assert.All(publishes, p => Assert.False(p.IsCompleted, "a publish was answered while the database was locked"));
        hold.CommandText = "COMMIT";
        await hold.ExecuteNonQueryAsync();

        foreach (var publish in publishes)
        {
            await (await publish).ExpectStatusAsync(HttpStatusCode.Accepted);
        }
        var received = await receiver.WaitForAsync(20, TimeSpan.FromSeconds(20));
        Assert.Equal(20, received.Select(r => r.Json()["data"]!.GetValue<int>()).Distinct().Count());
        await (await server.Client.GetAsync("/health/ready")).ExpectStatusAsync(HttpStatusCode.OK);
    }
}

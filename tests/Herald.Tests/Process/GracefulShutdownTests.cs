using System.Diagnostics;
using Xunit.Abstractions;

namespace Herald.Tests.ProcessTests;

/// <summary>
/// SIGTERM is a stop, not a crash: requests in flight are finished and recorded before the process
/// exits 0, so nothing is sent twice (duplicates are allowed only after a crash; docs/guarantees.md).
/// </summary>
public sealed class GracefulShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sigterm_FinishesInFlightAndExitsZero()
    {
        const int total = 5;
        using var dataDir = TempDir.Create("herald-sigterm");
        var adminKey = HeraldProcess.NewAdminKey();
        await using var receiver = await TestReceiver.StartAsync();
        receiver.DefaultResponse = ResponsePlan.Delayed(TimeSpan.FromSeconds(1));

        HeraldProcess? first = null;
        HeraldProcess? second = null;
        try
        {
            first = await HeraldProcess.StartReadyAsync(dataDir.Path, adminKey: adminKey);
            var endpointId = await ProcessScenario.CreateEndpointAsync(first.Client, receiver.Url("/hook"), ["1s", "2s"]);
            await ProcessScenario.PublishNumberedAsync(first.Client, total, parallelism: 1);
            await receiver.WaitForAsync(total, TimeSpan.FromSeconds(10));

            // All five are now waiting on the receiver's one-second answer.
            var stopping = Stopwatch.StartNew();
            var exitCode = await first.StopAsync(TimeSpan.FromSeconds(15));
            var stopSeconds = stopping.Elapsed.TotalSeconds;
            Assert.True(exitCode == 0, $"herald exited {exitCode} after SIGTERM.\n{first.Output}");

            second = await HeraldProcess.StartReadyAsync(dataDir.Path, adminKey: adminKey);
            var succeeded = await ProcessScenario.CountDeliveriesAsync(second.Client, endpointId, "succeeded");
            // A delivery left unrecorded would be resent now; give it time to show up at the receiver.
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            await ProcessScenario.WaitUntilSettledAsync(second.Client, endpointId, TimeSpan.FromSeconds(10));
            var received = receiver.Requests;
            var duplicates = received.Count - received.Select(r => r.Header("webhook-id")).Distinct().Count();

            output.WriteLine($"stopped in {stopSeconds:0.00} s with exit code {exitCode}");
            output.WriteLine($"succeeded right after the restart: {succeeded}; requests received: {received.Count}; duplicates: {duplicates}");

            Assert.Equal(total, succeeded);
            Assert.True(received.Count <= 2 * total, $"{received.Count} requests for {total} deliveries");
            Assert.True(duplicates == 0, $"{duplicates} delivery(ies) sent again after a graceful stop that had finished them");
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
    public async Task Sigterm_WithAHungReceiver_ExitsZeroAfterTheGrace_AndTheDeliveryGoesOutAfterRestart()
    {
        using var dataDir = TempDir.Create("herald-sigterm");
        var adminKey = HeraldProcess.NewAdminKey();
        await using var receiver = await TestReceiver.StartAsync();
        var answering = false;
        receiver.Responder = (_, _) => Volatile.Read(ref answering) ? ResponsePlan.Ok : ResponsePlan.Hanging();

        HeraldProcess? first = null;
        HeraldProcess? second = null;
        try
        {
            first = await HeraldProcess.StartReadyAsync(dataDir.Path, adminKey: adminKey);
            // A timeout longer than the shutdown grace, so the stop has to cut the request off.
            using (var created = await first.Client.PostJsonAsync("/v1/endpoints", new
            {
                name = "hung",
                url = receiver.Url("/hook"),
                timeout = "30s",
                retry = new { schedule = new[] { "1s", "1s" }, jitter = 0 },
            }))
            {
                await created.ExpectStatusAsync(System.Net.HttpStatusCode.Created);
            }
            await ProcessScenario.PublishNumberedAsync(first.Client, 1, parallelism: 1);
            await receiver.WaitForAsync(1, TimeSpan.FromSeconds(10));

            var stopping = Stopwatch.StartNew();
            var exitCode = await first.StopAsync(TimeSpan.FromSeconds(25));
            var stopSeconds = stopping.Elapsed.TotalSeconds;
            Assert.True(exitCode == 0, $"herald exited {exitCode} after SIGTERM.\n{first.Output}");

            Volatile.Write(ref answering, true);
            second = await HeraldProcess.StartReadyAsync(dataDir.Path, adminKey: adminKey);
            await receiver.WaitForAsync(2, TimeSpan.FromSeconds(15));
            using var list = await second.Client.GetAsync("/v1/deliveries?limit=10");
            var deliveries = await list.ReadJsonAsync(System.Net.HttpStatusCode.OK);
            var deliveryId = deliveries.Str("data[0].id");
            await ProcessScenario.WaitUntilSettledAsync(second.Client, deliveries.Str("data[0].endpoint_id"), TimeSpan.FromSeconds(10));
            var attempts = await ProcessScenario.AttemptsAsync(second.Client, deliveryId);
            output.WriteLine($"stopped in {stopSeconds:0.00} s with exit code {exitCode}; requests received: {receiver.Count}; attempts logged: {attempts.Count}");

            Assert.True(stopSeconds < 20, $"SIGTERM took {stopSeconds:0.0} s");
            using var delivery = await second.Client.GetAsync($"/v1/deliveries/{deliveryId}");
            Assert.Equal("succeeded", (await delivery.ReadJsonAsync(System.Net.HttpStatusCode.OK)).Str("status"));
            Assert.Equal(2, receiver.Count);
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
}

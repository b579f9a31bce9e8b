using Herald.Hosting;
using Herald.Storage;
using Herald.Storage.Ports;

namespace Herald.Api;

/// <summary>Public operational routes: health and metrics, without a key.</summary>
public static class OperationsApi
{
    public sealed record HealthStatus(string Status);

    public static void MapOperationsApi(this WebApplication app)
    {
        app.MapGet("/health/live", () => ApiJson.Ok(new HealthStatus("live"))).WithTags("Operations").Produces<HealthStatus>();
        app.MapGet("/health/ready", async (IMonitoringReads store) => await store.PingAsync()
                ? ApiJson.Ok(new HealthStatus("ready"))
                : Problems.Status(503, "Service Unavailable", "The database is not reachable."))
            .WithTags("Operations").Produces<HealthStatus>().ProducesProblem(503);
        app.MapGet("/metrics", async (IMonitoringReads store, HeraldMetrics metrics) =>
            {
                var (queueDepth, openCircuits) = await store.GaugesAsync();
                return Results.Text(metrics.Render(queueDepth, openCircuits, store.RoundTrips), "text/plain; version=0.0.4; charset=utf-8");
            })
            .WithTags("Operations").Produces<string>(200, "text/plain");
    }
}

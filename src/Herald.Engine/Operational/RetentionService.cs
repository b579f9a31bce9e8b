using Herald.Engine.Configuration;
using Herald.Engine.Telemetry;
using Herald.Storage;
using Herald.Storage.Ports;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Engine.Operational;

/// <summary>
/// Purges what is older than <c>--retention</c> in small batches, one short transaction each, so
/// delivery never waits behind a long delete.
/// </summary>
public sealed class RetentionService(IEventStore store, HeraldOptions options, TimeProvider time, ILogger<RetentionService> logger) : BackgroundService
{
    private const int Batch = 500;

    /// <summary>A quarter of the retention period, between one second and ten minutes.</summary>
    public static TimeSpan IntervalFor(TimeSpan retention) =>
        TimeSpan.FromTicks(Math.Clamp(retention.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.FromMinutes(10).Ticks));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Delivers)
        {
            // --role api: the processes that deliver also purge.
            return;
        }
        var interval = IntervalFor(options.Retention);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken);
                var now = time.GetUtcNow();
                int purged;
                var total = 0;
                do
                {
                    purged = await store.PurgeAsync(now - options.Retention, now - options.IdempotencyWindow, Batch);
                    total += purged;
                }
                while (purged == Batch && !stoppingToken.IsCancellationRequested);
                if (total > 0)
                {
                    EngineLog.Purged(logger, total);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                EngineLog.PurgeFailed(logger, e);
            }
        }
    }
}

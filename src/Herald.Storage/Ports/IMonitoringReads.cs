using Herald.Core.Model;

namespace Herald.Storage.Ports;

/// <summary>Reads for people and probes: the delivery log, the dashboard's counts, /metrics gauges and readiness.</summary>
public interface IMonitoringReads
{
    Task<Delivery?> GetDeliveryAsync(string orgId, string id);

    Task<Page<Delivery>> ListDeliveriesAsync(string orgId, DeliveryQuery q);

    Task<List<Attempt>> ListAttemptsAsync(string deliveryId);

    Task<Dictionary<string, HeraldStore.DeliveryCounts>> DeliveryCountsByEndpointAsync(string orgId, DateTimeOffset since);

    Task<List<HeraldStore.OutcomeCount>> DeliveryOutcomesAsync(string orgId, DateTimeOffset since, DateTimeOffset until, TimeSpan bucket);

    Task<List<HeraldStore.LatencyCount>> LatencyHistogramAsync(string orgId, DateTimeOffset since, DateTimeOffset until, TimeSpan bucket);

    /// <summary>Deliveries waiting or being sent, and endpoints whose circuit is open.</summary>
    Task<(long QueueDepth, long OpenCircuits)> GaugesAsync();

    /// <summary>Reads and write jobs sent to the database since start.</summary>
    long RoundTrips { get; }

    Task<int> SchemaVersionAsync();

    /// <summary>True when the database answers.</summary>
    Task<bool> PingAsync();
}

namespace Herald.Storage.Ports;

/// <summary>What the dispatcher and the attempt runner need: leases on due work, and each attempt's outcome recorded.</summary>
public interface IDeliveryQueue
{
    /// <summary>True when other processes claim from the same queue (a shared database).</summary>
    bool IsShared { get; }

    Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(int limit, TimeSpan grace, IReadOnlySet<string>? skipOrgs = null);

    Task<ClaimedDelivery?> ClaimOneAsync(string orgId, string id, TimeSpan lease);

    Task<IReadOnlyList<IReadOnlyList<string>>> ExpandBatchAsync(string endpointId, IReadOnlyList<string> claimedIds, TimeSpan lease, int maxCount, long maxBytes, Func<string> newBatchId);

    Task<IReadOnlyList<ClaimedDelivery>> LoadBatchAsync(IReadOnlyList<string> ids);

    /// <summary>Records an attempt, moves its delivery on and applies what it says of its endpoint, in one transaction.</summary>
    Task<HealthChange> CompleteAsync(AttemptOutcome outcome);

    Task<IReadOnlyList<ClaimedDelivery>> ClaimProbesAsync(TimeSpan lease, TimeSpan probeInterval);

    Task<SlotDecision> TakeSendSlotAsync(string deliveryId, string endpointId, double ratePerSecond);

    Task ReleaseAsync(IReadOnlyCollection<string> ids, bool park, DateTimeOffset? dueAt = null);

    Task<int> ReclaimAllLeasesAsync();

    Task<(DateTimeOffset? Delivery, DateTimeOffset? Probe)> NextDueAsync();

    Task<int> RecoverAsync(string orgId, string endpointId, bool endpointEnabled, DateTimeOffset since, DateTimeOffset until);
}

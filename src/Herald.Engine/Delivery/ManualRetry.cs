using Herald.Engine.Delivery;
using Herald.Storage;
using Herald.Storage.Ports;

namespace Herald.Engine.Delivery;

/// <summary>What a manual retry did: nothing found, refused with a reason, or one attempt made.</summary>
public sealed record RetryOutcome(bool Found, string? Refused)
{
    public static readonly RetryOutcome NotFound = new(false, null);
    public static readonly RetryOutcome Attempted = new(true, null);
}

/// <summary>One attempt of a delivery now, under a lease, outside its schedule: the same from the API and the dashboard.</summary>
public sealed class ManualRetry(IDeliveryQueue store, IMonitoringReads reads, EndpointCatalog catalog, AttemptRunner runner, DispatchSignal signal)
{
    public async Task<RetryOutcome> RunAsync(string orgId, string id)
    {
        var delivery = await reads.GetDeliveryAsync(orgId, id);
        if (delivery is null)
        {
            return RetryOutcome.NotFound;
        }
        var endpoint = await catalog.FindAsync(orgId, delivery.EndpointId);
        if (endpoint is null)
        {
            return new RetryOutcome(true, "The delivery's endpoint was deleted; it cannot be retried.");
        }
        if (!endpoint.Spec.Enabled)
        {
            return new RetryOutcome(true, "The delivery's endpoint is disabled; enable it before retrying.");
        }
        ClaimedDelivery? claimed;
        try
        {
            claimed = await store.ClaimOneAsync(orgId, id, HeraldStore.ManualLease);
        }
        catch (ConflictException e)
        {
            return new RetryOutcome(true, e.Message);
        }
        if (claimed is null)
        {
            return RetryOutcome.NotFound;
        }
        // Checkpoint: the lease is taken, so no worker sends this delivery while this request does.
        await runner.RunAsync(claimed, endpoint, manual: true, CancellationToken.None);
        signal.Notify();
        return RetryOutcome.Attempted;
    }
}

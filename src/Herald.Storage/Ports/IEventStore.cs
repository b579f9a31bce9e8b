using Herald.Core.Model;

namespace Herald.Storage.Ports;

/// <summary>What publishing needs: an event and its deliveries stored durably together, idempotency, and events read back.</summary>
public interface IEventStore
{
    /// <summary>Stores the event, its deliveries and the idempotency record in one committed transaction.</summary>
    Task<PublishOutcome> PublishAsync(NewEvent newEvent, IdempotencyRecord? idempotency, DateTimeOffset idempotencyNotBefore);

    Task<IdempotencyRecord?> FindIdempotencyAsync(string orgId, string key, DateTimeOffset notBefore);

    Task<HeraldEvent?> GetEventAsync(string orgId, string id);

    Task<Page<HeraldEvent>> ListEventsAsync(string orgId, EventQuery q);

    /// <summary>Deletes up to <paramref name="batch"/> events older than <paramref name="cutoff"/> with their deliveries and attempts, and expired idempotency records.</summary>
    Task<int> PurgeAsync(DateTimeOffset cutoff, DateTimeOffset idempotencyCutoff, int batch);
}

namespace Herald.Core.Policies;

/// <summary>
/// Delivery order for an endpoint with <c>ordering: fifo</c>: a delivery may be sent only while it
/// is its endpoint's oldest open one (waiting or being sent), so one in flight, or one being
/// retried, holds back every later one. Ids grow with time, so the oldest is the smallest id.
/// Claims apply the same rule in SQL, over the whole backlog at once.
/// </summary>
public static class FifoRule
{
    /// <summary>True when <paramref name="deliveryId"/> may be sent, given the smallest id among its endpoint's open deliveries.</summary>
    public static bool MaySend(bool fifo, string deliveryId, string oldestOpenId) =>
        !fifo || string.CompareOrdinal(deliveryId, oldestOpenId) == 0;
}

using Herald.Core;
using Herald.Core.Model;
using Herald.Storage;

namespace Herald.Delivery;

/// <summary>Which endpoints an event goes to (DESIGN §10 Matching).</summary>
public static class Fanout
{
    /// <summary>
    /// The enabled endpoints among <paramref name="candidates"/> whose event types, entity types and
    /// filter all hold for <paramref name="evt"/>.
    /// </summary>
    public static List<Endpoint> Match(IEnumerable<Endpoint> candidates, HeraldEvent evt)
    {
        var result = new List<Endpoint>();
        foreach (var endpoint in candidates)
        {
            if (endpoint.Spec.Enabled && Matches(endpoint.Spec, evt))
            {
                result.Add(endpoint);
            }
        }
        return result;
    }

    public static bool Matches(EndpointSpec spec, HeraldEvent evt)
    {
        if (!EventTypeMatcher.Matches(spec.EventTypes, evt.Type))
        {
            return false;
        }
        if (spec.EntityTypes.Count > 0 && (evt.Resource is null || !spec.EntityTypes.Contains(evt.Resource.Type, StringComparer.Ordinal)))
        {
            return false;
        }
        return true;
    }

    /// <summary>One new delivery per endpoint, due now or, for a deferred endpoint, at its next interval.</summary>
    public static List<NewDelivery> NewDeliveries(IEnumerable<Endpoint> endpoints, DateTimeOffset now) =>
        [.. endpoints.Select(e => new NewDelivery(Ids.New(Ids.Delivery, now), e.Id) { DueAt = FirstDue(e.Spec.Delivery, now) })];

    /// <summary>
    /// Deferred deliveries go out at the next multiple of the interval since the Unix epoch, so all
    /// the events of one interval leave together (Ushahidi's periodic job), whatever the process.
    /// </summary>
    public static DateTimeOffset? FirstDue(DeliveryPolicy policy, DateTimeOffset now)
    {
        if (policy.Mode != "deferred" || policy.Interval is not { Ticks: > 0 } interval)
        {
            return null;
        }
        var ms = now.ToUnixTimeMilliseconds();
        var step = (long)interval.TotalMilliseconds;
        var next = (ms + step - 1) / step * step;
        return DateTimeOffset.FromUnixTimeMilliseconds(next);
    }

    public static bool IsBatch(EndpointSpec spec) => spec.Delivery is { Mode: "deferred", Batch: true };
}

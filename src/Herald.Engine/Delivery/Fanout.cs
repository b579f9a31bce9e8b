using System.Text.Json;
using Herald.Core;
using Herald.Core.Model;
using Herald.Storage;

namespace Herald.Engine.Delivery;

/// <summary>Which endpoints an event goes to: enabled, subscribed to its type and entity type, and its filter matching.</summary>
public static class Fanout
{
    /// <summary>
    /// The enabled endpoints among <paramref name="candidates"/> whose event types, entity types and
    /// filter all hold for <paramref name="evt"/>.
    /// </summary>
    public static List<Endpoint> Match(IEnumerable<Endpoint> candidates, HeraldEvent evt)
    {
        var result = new List<Endpoint>();
        JsonDocument? view = null;
        try
        {
            foreach (var endpoint in candidates)
            {
                if (!endpoint.Spec.Enabled || !MatchesTypes(endpoint.Spec, evt))
                {
                    continue;
                }
                if (endpoint.Spec.Filter is { } filter)
                {
                    // Built at most once per event, and only when some candidate has a filter.
                    view ??= Payloads.FilterView(evt);
                    if (!filter.Matches(view.RootElement))
                    {
                        continue;
                    }
                }
                result.Add(endpoint);
            }
        }
        finally
        {
            view?.Dispose();
        }
        return result;
    }

    private static bool MatchesTypes(EndpointSpec spec, HeraldEvent evt)
    {
        if (!EventTypeMatcher.Matches(spec.EventTypes, evt.Type))
        {
            return false;
        }
        return spec.EntityTypes.Count == 0 || (evt.Resource is not null && spec.EntityTypes.Contains(evt.Resource.Type, StringComparer.Ordinal));
    }

    /// <summary>One new delivery per endpoint, due now or, for a deferred endpoint, at its next interval.</summary>
    public static List<NewDelivery> NewDeliveries(IEnumerable<Endpoint> endpoints, DateTimeOffset now) =>
        [.. endpoints.Select(e => new NewDelivery(Ids.New(Ids.Delivery, now), e.Id)
        {
            DueAt = FirstDue(e.Spec.Delivery, now),
            Fifo = e.Spec.Ordering == "fifo",
        })];

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

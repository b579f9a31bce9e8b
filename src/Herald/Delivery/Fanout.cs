using Herald.Core;
using Herald.Core.Model;

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
}

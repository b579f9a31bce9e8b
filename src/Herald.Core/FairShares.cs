namespace Herald.Core;

/// <summary>
/// How one claim of due deliveries is split between the endpoints that have due work: one at a
/// time to each organization in turn, and within an organization to each of its endpoints in turn,
/// so an organization with one endpoint gets as much as one with a hundred, and a backlog of any
/// size earns its endpoint no more than a turn. The starting organization and endpoint move on with
/// every claim, so nobody is always last when the claim runs out.
/// </summary>
public static class FairShares
{
    /// <summary>
    /// Quotas for up to <paramref name="maxEndpoints"/> of <paramref name="endpoints"/> that add up to
    /// <paramref name="limit"/> (none when there are no endpoints), in the order they were first served.
    /// </summary>
    /// <param name="endpoints">Endpoints with due work and their organizations, each once.</param>
    /// <param name="limit">Deliveries the claim may take.</param>
    /// <param name="turn">The claim's number: moves the starting organization and endpoint on.</param>
    /// <param name="maxEndpoints">The most endpoints one claim may ask (each is a clause of its statement).</param>
    public static IReadOnlyList<(string EndpointId, int Quota)> Split(IReadOnlyList<(string OrgId, string EndpointId)> endpoints, int limit, long turn, int maxEndpoints)
    {
        if (endpoints.Count == 0 || limit <= 0 || maxEndpoints <= 0)
        {
            return [];
        }
        var orgs = Rotate(endpoints
            .GroupBy(e => e.OrgId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Rotate(g.Select(e => e.EndpointId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), turn))
            .ToList(), turn);

        // Past the cap, the endpoints served are the first in the same round-robin order, so the
        // cap cuts the organizations with most endpoints first.
        var kept = new List<string>[orgs.Count];
        for (var o = 0; o < orgs.Count; o++)
        {
            kept[o] = [];
        }
        var keptCount = 0;
        for (var round = 0; keptCount < maxEndpoints; round++)
        {
            var any = false;
            for (var o = 0; o < orgs.Count && keptCount < maxEndpoints; o++)
            {
                if (round < orgs[o].Count)
                {
                    kept[o].Add(orgs[o][round]);
                    keptCount++;
                    any = true;
                }
            }
            if (!any)
            {
                break;
            }
        }

        var quotas = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>();
        var given = new int[orgs.Count];
        var remaining = limit;
        while (remaining > 0)
        {
            for (var o = 0; o < orgs.Count && remaining > 0; o++)
            {
                if (kept[o].Count == 0)
                {
                    continue;
                }
                var endpoint = kept[o][given[o]++ % kept[o].Count];
                if (quotas.TryGetValue(endpoint, out var quota))
                {
                    quotas[endpoint] = quota + 1;
                }
                else
                {
                    quotas[endpoint] = 1;
                    order.Add(endpoint);
                }
                remaining--;
            }
        }
        return [.. order.Select(e => (e, quotas[e]))];
    }

    private static List<T> Rotate<T>(List<T> items, long turn)
    {
        if (items.Count < 2)
        {
            return items;
        }
        var start = (int)(turn % items.Count);
        return [.. items.Skip(start), .. items.Take(start)];
    }
}

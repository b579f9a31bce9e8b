using System.Text.Json;
using Herald.Core;
using Herald.Core.Model;
using Herald.Storage;

namespace Herald.Engine.Delivery;

/// <summary>Events Herald publishes about itself (<c>herald.*</c>), delivered only to endpoints that list them.</summary>
public static class OperationalEvents
{
    public const string EndpointDisabledType = "herald.endpoint.disabled";
    public const string PingType = "herald.ping";

    public static NewEvent EndpointDisabled(IReadOnlyList<Endpoint> orgEndpoints, Endpoint disabled, string reason, DateTimeOffset now)
    {
        var data = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["endpoint_id"] = disabled.Id,
            ["name"] = disabled.Spec.Name,
            ["reason"] = reason,
        });
        var evt = new HeraldEvent(Ids.New(Ids.Event, now), disabled.OrgId, EndpointDisabledType,
            new ResourceRef("endpoint", disabled.Id), null, null, Times.Truncate(now), data);
        var targets = Fanout.Match(orgEndpoints.Where(e => e.Id != disabled.Id), evt);
        return new NewEvent(evt, Fanout.NewDeliveries(targets, now));
    }
}

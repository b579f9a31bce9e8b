using System.Text.Json.Nodes;
using Herald.Core.Model;

namespace Herald.Core.Endpoints;

/// <summary>
/// Writes an endpoint in the shape the API reads and writes. The same shape, unmasked, is what Herald seals at
/// rest, so one parser reads both API bodies and stored endpoints.
/// </summary>
public static class EndpointView
{
    /// <summary>The spec fields only, with sensitive values in clear or masked.</summary>
    public static JsonObject SpecToJson(EndpointSpec spec, bool mask)
    {
        var headers = new JsonArray();
        foreach (var h in spec.Headers)
        {
            headers.Add(new JsonObject
            {
                ["name"] = h.Name,
                ["value"] = mask && h.Sensitive ? EndpointSpecParser.Mask : h.Value,
                ["sensitive"] = h.Sensitive,
            });
        }
        var auth = new JsonObject { ["type"] = spec.Auth.Type };
        if (spec.Auth.Type == "basic")
        {
            auth["username"] = spec.Auth.Username;
            auth["password"] = mask ? EndpointSpecParser.Mask : spec.Auth.Password;
        }
        var signature = new JsonObject { ["scheme"] = spec.SignatureScheme, ["header"] = spec.SignatureHeader };
        var schedule = new JsonArray();
        foreach (var delay in spec.Retry.Schedule)
        {
            schedule.Add(Durations.Format(delay));
        }
        return new JsonObject
        {
            ["name"] = spec.Name,
            ["url"] = spec.Url,
            ["method"] = spec.Method,
            ["description"] = spec.Description,
            ["event_types"] = new JsonArray([.. spec.EventTypes.Select(t => (JsonNode)t)]),
            ["entity_types"] = new JsonArray([.. spec.EntityTypes.Select(t => (JsonNode)t)]),
            ["filter"] = spec.FilterJson is null ? null : JsonNode.Parse(spec.FilterJson),
            ["auth"] = auth,
            ["signature"] = signature,
            ["headers"] = headers,
            ["format"] = spec.Format,
            ["template"] = spec.Template,
            ["source_field_key"] = spec.SourceFieldKey,
            ["destination_field_key"] = spec.DestinationFieldKey,
            ["retry"] = new JsonObject { ["schedule"] = schedule, ["jitter"] = spec.Retry.Jitter },
            ["delivery"] = new JsonObject
            {
                ["mode"] = spec.Delivery.Mode,
                ["interval"] = spec.Delivery.Interval is { } interval ? Durations.Format(interval) : null,
                ["batch"] = spec.Delivery.Batch,
            },
            ["timeout"] = Durations.Format(spec.Timeout),
            ["rate_limit"] = spec.RateLimit,
            ["ordering"] = spec.Ordering,
            ["enabled"] = spec.Enabled,
            ["metadata"] = JsonNode.Parse(spec.MetadataJson),
        };
    }

    /// <summary>The API resource: masked spec plus Herald's state; <paramref name="revealSecret"/> only on create, rotate and scheme change.</summary>
    public static JsonObject ToResource(Endpoint endpoint, string? revealSecret)
    {
        var spec = SpecToJson(endpoint.Spec, mask: true);
        var result = new JsonObject { ["id"] = endpoint.Id };
        foreach (var (key, value) in spec)
        {
            result[key] = value?.DeepClone();
        }
        var signature = (JsonObject)result["signature"]!;
        if (revealSecret is not null)
        {
            signature["secret"] = revealSecret;
        }
        signature["secret_hint"] = endpoint.Secrets.Current is { Length: > 4 } current ? "…" + current[^4..] : null;
        result["created_at"] = Times.Format(endpoint.CreatedAt);
        result["updated_at"] = Times.Format(endpoint.UpdatedAt);
        result["insecure"] = endpoint.Insecure;
        result["circuit"] = endpoint.CircuitOpen ? "open" : "closed";
        result["disabled_reason"] = endpoint.DisabledReason;
        return result;
    }
}

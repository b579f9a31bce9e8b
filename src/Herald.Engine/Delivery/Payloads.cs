using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core;
using Herald.Core.Model;
using Herald.Core.Templates;

namespace Herald.Engine.Delivery;

/// <summary>Request bodies in each endpoint format (README, "Endpoint options, one example each").</summary>
public static class Payloads
{
    public const string EnvelopeVersion = "1.0.0";

    // Parsed templates by source text: shared by every endpoint with the same template, parsed once.
    private static readonly ConcurrentDictionary<string, BodyTemplate> Templates = new(StringComparer.Ordinal);

    /// <summary>
    /// The body for one delivery, or the reason none can be built (the attempt fails with it). A
    /// template is rendered on a render thread, in the endpoint's organization's turn.
    /// </summary>
    public static ValueTask<PayloadResult> BuildAsync(Endpoint endpoint, HeraldEvent evt, string deliveryId, int attempt, CancellationToken cancellationToken) => endpoint.Spec.Format switch
    {
        // The published bytes, untouched: a CyberTracker receiver gets exactly what the device sent.
        "raw" => ValueTask.FromResult(new PayloadResult(evt.Data, null)),
        "ushahidi" => ValueTask.FromResult(Ushahidi(endpoint, evt)),
        "template" => TemplateAsync(endpoint, evt, deliveryId, attempt, cancellationToken),
        _ => ValueTask.FromResult(new PayloadResult(Envelope(evt, endpoint.Id, deliveryId), null)),
    };

    private static async ValueTask<PayloadResult> TemplateAsync(Endpoint endpoint, HeraldEvent evt, string deliveryId, int attempt, CancellationToken cancellationToken)
    {
        var source = endpoint.Spec.Template!;
        if (!Templates.TryGetValue(source, out var template))
        {
            if (!BodyTemplate.TryParse(source, out template, out var error))
            {
                return new PayloadResult([], "the template does not parse: " + error);
            }
            if (Templates.Count > 10_000)
            {
                Templates.Clear();
            }
            Templates[source] = template;
        }
        var context = new TemplateContext(
            evt.Id, evt.Type, Times.Format(evt.OccurredAt ?? evt.CreatedAt), evt.TriggeredByJson,
            evt.Resource?.Type, evt.Resource?.Id, evt.Data,
            endpoint.Id, endpoint.Spec.Name, endpoint.Spec.Url, deliveryId, attempt);
        var (body, renderError) = await template.RenderAsync(context, endpoint.OrgId, cancellationToken);
        return new PayloadResult(body, renderError);
    }

    private static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    /// <summary>
    /// Ushahidi's body: the event's data object with <c>webhook_uuid</c> (the endpoint id) and the
    /// source and destination field keys added, so a transforming receiver needs no form lookup.
    /// </summary>
    public static PayloadResult Ushahidi(Endpoint endpoint, HeraldEvent evt)
    {
        if (JsonNode.Parse(evt.Data) is not JsonObject body)
        {
            return new PayloadResult([], "the ushahidi format needs the event's data to be a JSON object");
        }
        body["webhook_uuid"] = endpoint.Id;
        body["source_field_key"] = endpoint.Spec.SourceFieldKey;
        body["destination_field_key"] = endpoint.Spec.DestinationFieldKey;
        return new PayloadResult(JsonSerializer.SerializeToUtf8Bytes(body), null);
    }

    /// <summary>
    /// The envelope a filter is evaluated on: built once per event for every endpoint, so
    /// <c>endpoint_id</c> and <c>delivery_id</c> are null in it (they do not exist before matching).
    /// </summary>
    public static JsonDocument FilterView(HeraldEvent evt) => JsonDocument.Parse(Envelope(evt, null, null));

    public static byte[] Envelope(HeraldEvent evt, string? endpointId, string? deliveryId)
    {
        var buffer = new ArrayBufferWriter<byte>(evt.Data.Length + 512);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            w.WriteStartObject();
            w.WriteString("version", EnvelopeVersion);
            w.WriteString("type", evt.Type);
            w.WriteString("timestamp", Times.Format(evt.OccurredAt ?? evt.CreatedAt));
            w.WriteString("event_id", evt.Id);
            WriteStringOrNull(w, "endpoint_id", endpointId);
            WriteStringOrNull(w, "delivery_id", deliveryId);
            w.WritePropertyName("triggered_by");
            if (evt.TriggeredByJson is { } triggeredBy)
            {
                w.WriteRawValue(triggeredBy, skipInputValidation: true);
            }
            else
            {
                w.WriteNullValue();
            }
            w.WritePropertyName("resource");
            if (evt.Resource is { } resource)
            {
                w.WriteStartObject();
                w.WriteString("type", resource.Type);
                w.WriteString("id", resource.Id);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNullValue();
            }
            w.WritePropertyName("data");
            // The data bytes were validated as JSON when published and are kept verbatim.
            w.WriteRawValue(evt.Data, skipInputValidation: true);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>A request body, or why it could not be built.</summary>
public sealed record PayloadResult(byte[] Body, string? Error);

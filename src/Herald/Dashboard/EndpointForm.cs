using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Endpoints;
using Herald.Core.Validation;

namespace Herald.Dashboard;

/// <summary>
/// The endpoint form and the endpoint body of the API, both ways. The form is only another way to
/// write the JSON body: what it posts becomes that body and goes through <see cref="EndpointSpecParser"/>
/// like an API request, so the form and the API cannot disagree. Field names are the body's JSON
/// paths, so the parser's errors land next to their fields.
/// </summary>
internal sealed class EndpointForm
{
    public const int SpareHeaderRows = 2;

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public List<HeaderRow> Headers { get; } = [];

    /// <summary>One custom header. A stored sensitive value is never sent to the browser: the row says it is kept.</summary>
    public sealed record HeaderRow(string Name, string Value, bool Sensitive, bool Stored);

    public string this[string name] => _values.GetValueOrDefault(name, "");

    public bool Flag(string name) => _values.GetValueOrDefault(name) == "true";

    /// <summary>The form for a new endpoint: the API's defaults written out.</summary>
    public static EndpointForm ForNew()
    {
        var form = new EndpointForm();
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["method"] = "POST", ["auth.type"] = "none", ["signature.scheme"] = "standard", ["format"] = "envelope",
            ["retry.schedule"] = "5s, 5m, 30m, 2h, 5h, 10h, 10h", ["retry.jitter"] = "0.1", ["delivery.mode"] = "immediate",
            ["timeout"] = "15s", ["ordering"] = "none", ["enabled"] = "true",
        })
        {
            form._values[key] = value;
        }
        return form;
    }

    /// <summary>The form of a stored endpoint, from its masked resource (no password or sensitive value in it).</summary>
    public static EndpointForm FromSpec(JsonObject masked)
    {
        var form = new EndpointForm();
        var v = form._values;
        v["name"] = Text(masked["name"]);
        v["url"] = Text(masked["url"]);
        v["method"] = Text(masked["method"]);
        v["description"] = Text(masked["description"]);
        v["event_types"] = string.Join("\n", Strings(masked["event_types"]));
        v["entity_types"] = string.Join("\n", Strings(masked["entity_types"]));
        v["filter"] = masked["filter"] is { } filter ? filter.ToJsonString(Indented) : "";
        var auth = masked["auth"]!.AsObject();
        v["auth.type"] = Text(auth["type"]);
        v["auth.username"] = Text(auth["username"]);
        var signature = masked["signature"]!.AsObject();
        v["signature.scheme"] = Text(signature["scheme"]);
        v["signature.header"] = Text(signature["header"]);
        foreach (var header in masked["headers"]!.AsArray())
        {
            var sensitive = header!["sensitive"]!.GetValue<bool>();
            form.Headers.Add(new HeaderRow(Text(header["name"]), sensitive ? "" : Text(header["value"]), sensitive, sensitive));
        }
        v["format"] = Text(masked["format"]);
        v["template"] = Text(masked["template"]);
        v["source_field_key"] = Text(masked["source_field_key"]);
        v["destination_field_key"] = Text(masked["destination_field_key"]);
        var retry = masked["retry"]!.AsObject();
        v["retry.schedule"] = string.Join(", ", Strings(retry["schedule"]));
        v["retry.jitter"] = retry["jitter"]!.GetValue<double>().ToString(CultureInfo.InvariantCulture);
        var delivery = masked["delivery"]!.AsObject();
        v["delivery.mode"] = Text(delivery["mode"]);
        v["delivery.interval"] = Text(delivery["interval"]);
        v["delivery.batch"] = delivery["batch"]!.GetValue<bool>() ? "true" : "";
        v["timeout"] = Text(masked["timeout"]);
        v["rate_limit"] = masked["rate_limit"] is { } rate ? rate.GetValue<double>().ToString(CultureInfo.InvariantCulture) : "";
        v["ordering"] = Text(masked["ordering"]);
        v["enabled"] = masked["enabled"]!.GetValue<bool>() ? "true" : "";
        var metadata = masked["metadata"]!.AsObject();
        v["metadata"] = metadata.Count == 0 ? "" : metadata.ToJsonString(Indented);
        return form;
    }

    /// <summary>The form as posted. Secrets typed into it are kept only to build the body, never shown again.</summary>
    public static EndpointForm FromPost(IFormCollection posted)
    {
        var form = new EndpointForm();
        foreach (var (key, value) in posted)
        {
            if (!key.StartsWith("headers[", StringComparison.Ordinal) && key != DashboardSession.CsrfField)
            {
                form._values[key] = value.ToString();
            }
        }
        for (var i = 0; i < EndpointSpecParser.MaxHeaders + SpareHeaderRows + 20; i++)
        {
            var prefix = $"headers[{i}].";
            if (!posted.ContainsKey(prefix + "name"))
            {
                continue;
            }
            form.Headers.Add(new HeaderRow(
                posted[prefix + "name"].ToString().Trim(), posted[prefix + "value"].ToString(),
                posted[prefix + "sensitive"] == "true", posted[prefix + "stored"] == "true"));
        }
        return form;
    }

    /// <summary>
    /// The endpoint body this form describes, or null with <paramref name="errors"/> when a field
    /// cannot even be written as JSON. <see cref="FormPath"/> maps the parser's paths back to fields.
    /// </summary>
    public JsonObject? ToBody(bool create, ValidationErrors errors)
    {
        var body = new JsonObject
        {
            ["name"] = this["name"],
            ["url"] = this["url"].Trim(),
            ["method"] = Or(this["method"], "POST"),
            ["description"] = this["description"],
            ["event_types"] = List(this["event_types"]),
            ["entity_types"] = List(this["entity_types"]),
        };
        if (Json("filter", errors) is { } filter)
        {
            body["filter"] = filter;
        }

        var authType = Or(this["auth.type"], "none");
        var auth = new JsonObject { ["type"] = authType };
        if (authType != "none")
        {
            auth["username"] = this["auth.username"];
            // Blank when editing keeps the stored password (the mask resolves to it, as in a GET → PUT round trip).
            var password = this["auth.password"];
            auth["password"] = password.Length > 0 ? password : create ? null : EndpointSpecParser.Mask;
        }
        body["auth"] = auth;

        var scheme = Or(this["signature.scheme"], "standard");
        var signature = new JsonObject { ["scheme"] = scheme };
        if (this["signature.header"].Trim() is { Length: > 0 } signatureHeader)
        {
            signature["header"] = signatureHeader;
        }
        if (create && this["signature.secret"].Trim() is { Length: > 0 } secret)
        {
            signature["secret"] = secret;
        }
        body["signature"] = signature;

        var headers = new JsonArray();
        _headerRows.Clear();
        for (var row = 0; row < Headers.Count; row++)
        {
            var h = Headers[row];
            if (h.Name.Length == 0 && h.Value.Length == 0 && !h.Stored)
            {
                continue;
            }
            // A stored sensitive value left blank is kept; one typed in replaces it.
            var value = h.Value.Length == 0 && h.Stored && !create ? EndpointSpecParser.Mask : h.Value;
            headers.Add(new JsonObject { ["name"] = h.Name, ["value"] = value, ["sensitive"] = h.Sensitive });
            _headerRows.Add(row);
        }
        body["headers"] = headers;

        var format = Or(this["format"], "envelope");
        body["format"] = format;
        if (format == "template" || this["template"].Trim().Length > 0)
        {
            body["template"] = this["template"];
        }
        if (this["source_field_key"].Length > 0)
        {
            body["source_field_key"] = this["source_field_key"];
        }
        if (this["destination_field_key"].Length > 0)
        {
            body["destination_field_key"] = this["destination_field_key"];
        }

        var retry = new JsonObject { ["schedule"] = List(this["retry.schedule"], splitOnSpaces: true) };
        if (this["retry.jitter"].Trim() is { Length: > 0 } jitterText)
        {
            if (double.TryParse(jitterText, NumberStyles.Float, CultureInfo.InvariantCulture, out var jitter) && double.IsFinite(jitter))
            {
                retry["jitter"] = jitter;
            }
            else
            {
                errors.Add("retry.jitter", "must be a number from 0 to 0.5, like 0.1");
            }
        }
        body["retry"] = retry;

        var mode = Or(this["delivery.mode"], "immediate");
        var delivery = new JsonObject { ["mode"] = mode };
        if (this["delivery.interval"].Trim() is { Length: > 0 } interval)
        {
            delivery["interval"] = interval;
        }
        if (Flag("delivery.batch"))
        {
            delivery["batch"] = true;
        }
        body["delivery"] = delivery;

        body["timeout"] = Or(this["timeout"].Trim(), "15s");
        if (this["rate_limit"].Trim() is { Length: > 0 } rateText)
        {
            // NaN, Infinity and 1e400 parse as doubles, but are no number JSON can carry.
            if (double.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && double.IsFinite(rate))
            {
                body["rate_limit"] = rate;
            }
            else
            {
                errors.Add("rate_limit", "must be a number of requests per second, like 20");
            }
        }
        body["ordering"] = Or(this["ordering"], "none");
        if (create)
        {
            // Editing leaves the state alone: enable and disable are their own buttons (only enable clears disabled_reason).
            body["enabled"] = Flag("enabled");
        }
        if (Json("metadata", errors) is { } metadata)
        {
            body["metadata"] = metadata;
        }
        return errors.Any ? null : body;
    }

    private readonly List<int> _headerRows = [];

    /// <summary>The form field of a body path: header indexes are rows of the form, list items their list field.</summary>
    public string FormPath(string path)
    {
        if (path.StartsWith("headers[", StringComparison.Ordinal))
        {
            var close = path.IndexOf(']', StringComparison.Ordinal);
            if (close > 8 && int.TryParse(path.AsSpan(8, close - 8), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < _headerRows.Count)
            {
                return $"headers[{_headerRows[index]}]{path[(close + 1)..]}";
            }
            return "headers";
        }
        foreach (var field in (string[])["retry.schedule", "event_types", "entity_types", "filter", "metadata"])
        {
            if (path.StartsWith(field, StringComparison.Ordinal))
            {
                return field;
            }
        }
        return path switch
        {
            "auth" => "auth.type",
            "signature" => "signature.scheme",
            "delivery" => "delivery.mode",
            _ => path,
        };
    }

    private JsonNode? Json(string field, ValidationErrors errors)
    {
        var text = this[field].Trim();
        if (text.Length == 0)
        {
            return null;
        }
        if (JsonUtf16.FindUnpaired(Encoding.UTF8.GetBytes(text)) is { } unpaired)
        {
            errors.Add(field, unpaired.Path == "$" ? unpaired.Reason : $"{unpaired.Reason} at {unpaired.Path}");
            return null;
        }
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            errors.Add(field, $"is not valid JSON: {e.Message}");
            return null;
        }
    }

    private static JsonArray List(string text, bool splitOnSpaces = false)
    {
        char[] separators = splitOnSpaces ? [',', '\n', '\r', ' ', '\t'] : [',', '\n', '\r'];
        return new JsonArray([.. text.Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => (JsonNode)s)]);
    }

    private static string Or(string value, string fallback) => value.Length > 0 ? value : fallback;

    private static string Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";

    private static IEnumerable<string> Strings(JsonNode? node) => node is JsonArray array ? array.Select(Text) : [];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

using Herald.Core.Validation;
using static Herald.Dashboard.Html;

namespace Herald.Dashboard;

/// <summary>The fields of the endpoint form, grouped by the endpoint options they set.</summary>
internal static class EndpointFormView
{
    public static Markup Fields(EndpointForm f, ValidationErrors errors, bool create, Markup? preview)
    {
        var secret = create
            ? Layout.Input("signature.secret", "Secret (optional)", null, errors,
                "Leave empty to have one generated; it is shown once after saving. standard: whsec_ + base64 of 24–64 bytes; ushahidi: free text.", type: "password", autocomplete: "off")
            : H($"<p class=\"hint\">The secret changes only with Rotate secret on the endpoint page, or when the scheme changes (a new one is then shown once).</p>");
        var password = create
            ? Layout.Input("auth.password", "Password", null, errors, "Write-only: never shown again.", type: "password", autocomplete: "new-password")
            : Layout.Input("auth.password", "Password", null, errors, "Write-only: leave empty to keep the stored password, or type a new one.", type: "password", autocomplete: "new-password");
        var enabled = create
            ? Layout.Checkbox("enabled", "Enabled (receives events from the start)", f.Flag("enabled"), errors)
            : Markup.Empty;
        return H($"""
            <fieldset><legend>Destination</legend>
            {Layout.Input("name", "Name", f["name"], errors, "Unique in your organization.", required: true)}
            {Layout.Input("url", "URL", f["url"], errors, "Absolute http or https URL, used verbatim.", type: "url", required: true)}
            {Layout.Select("method", "Method", f["method"], Layout.Options("POST", "PUT"), errors)}
            {Layout.TextArea("description", "Description", f["description"], errors)}
            {enabled}
            </fieldset>

            <fieldset><legend>Which events</legend>
            {Layout.TextArea("event_types", "Event types", f["event_types"], errors, "One per line (or comma-separated): exact names or a trailing * (inspection.*). Empty: every type except herald.*.", code: true)}
            {Layout.TextArea("entity_types", "Entity types", f["entity_types"], errors, "Resource types to match, one per line. Empty: all.", code: true)}
            {Layout.TextArea("filter", "Payload filter (JSON)", f["filter"], errors, "Conditions on the envelope, like {\"data.score\": {\"$gte\": 50}}. Empty: no filter.", rows: 4, code: true)}
            </fieldset>

            <fieldset><legend>Authentication and signature</legend>
            {Layout.Select("auth.type", "Authentication", f["auth.type"], [("none", "none"), ("basic", "basic (username and password)")], errors)}
            {Layout.Input("auth.username", "Username", f["auth.username"], errors, "For basic authentication.", autocomplete: "off")}
            {password}
            {Layout.Select("signature.scheme", "Signature scheme", f["signature.scheme"], [("standard", "standard (Standard Webhooks)"), ("ushahidi", "ushahidi (HMAC of URL + body)"), ("none", "none (unsigned)")], errors)}
            {Layout.Input("signature.header", "Signature header", f["signature.header"], errors, "ushahidi scheme only; empty: X-Ushahidi-Signature.")}
            {secret}
            </fieldset>

            <fieldset><legend>Custom headers</legend>
            {HeaderRows(f, errors, create)}
            <button type="submit" name="_action" value="add-header" class="secondary">Add a header row</button>
            </fieldset>

            <fieldset><legend>Payload</legend>
            {Layout.Select("format", "Format", f["format"], [("envelope", "envelope (Herald's JSON envelope)"), ("raw", "raw (the published data, byte for byte)"), ("ushahidi", "ushahidi (data with webhook_uuid and field keys)"), ("template", "template (Liquid)")], errors)}
            {Layout.TextArea("template", "Template (Liquid)", f["template"], errors, "For the template format: must render JSON. Variables event, resource, data, endpoint, delivery; filter json.", rows: 8, code: true)}
            <div class="field"><button type="submit" name="_action" value="preview" class="secondary">Preview the template</button>
            <p class="hint" id="template-preview-hint">Rendered against a sample inspection.started event; updates as you type when scripts run.</p>
            <pre><output id="template-preview" class="preview" for="f-template" aria-live="polite">{preview ?? Markup.Empty}</output></pre></div>
            {Layout.Input("source_field_key", "Source field key", f["source_field_key"], errors, "ushahidi format.")}
            {Layout.Input("destination_field_key", "Destination field key", f["destination_field_key"], errors, "ushahidi format.")}
            </fieldset>

            <fieldset><legend>Retries and delivery</legend>
            {Layout.Input("retry.schedule", "Retry schedule", f["retry.schedule"], errors, "Delays after each failed attempt, comma-separated (5s, 5m, 30m). Empty: no retries.")}
            {Layout.Input("retry.jitter", "Jitter", f["retry.jitter"], errors, "0 to 0.5: each delay varies by up to this fraction.", type: "text")}
            {Layout.Select("delivery.mode", "Delivery mode", f["delivery.mode"], [("immediate", "immediate"), ("deferred", "deferred (every interval)")], errors)}
            {Layout.Input("delivery.interval", "Interval", f["delivery.interval"], errors, "Deferred mode: how often pending deliveries go out (5m).")}
            {Layout.Checkbox("delivery.batch", "Batch: one request per interval with a JSON array", f.Flag("delivery.batch"), errors)}
            {Layout.Input("timeout", "Timeout", f["timeout"], errors, "Per request, 100ms to 60s.")}
            {Layout.Input("rate_limit", "Rate limit", f["rate_limit"], errors, "Requests per second to this endpoint; empty: none.")}
            {Layout.Select("ordering", "Ordering", f["ordering"], [("none", "none (concurrent)"), ("fifo", "fifo (one at a time, in publish order)")], errors)}
            {Layout.TextArea("metadata", "Metadata (JSON object)", f["metadata"], errors, "Your own notes about the endpoint; Herald does not use them.", code: true)}
            </fieldset>
            """);
    }

    /// <summary>
    /// The header rows. A sensitive value is never written into the page: a stored one shows as kept
    /// (empty field, "leave empty to keep"), and one typed in a form that is shown again must be typed again.
    /// </summary>
    private static Markup HeaderRows(EndpointForm f, ValidationErrors errors, bool create)
    {
        var rows = f.Headers.ToList();
        var spare = rows.Count(r => r.Name.Length == 0 && r.Value.Length == 0 && !r.Stored);
        for (var i = spare; i < EndpointForm.SpareHeaderRows; i++)
        {
            rows.Add(new EndpointForm.HeaderRow("", "", false, false));
        }
        var markup = new List<Markup> { H($"<p class=\"hint\">Sent with every request. Sensitive values are write-only: shown as ******** everywhere{(create ? "" : "; leave a stored one empty to keep it")}.</p>") };
        markup.AddRange(headerErrors(errors));
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var prefix = $"headers[{i}]";
            var value = row.Sensitive ? null : row.Value;
            var valueHint = row.Stored && !create ? "Stored (write-only): leave empty to keep it."
                : row.Sensitive ? "Sensitive: type the value (a typed value is never written back into the page)." : null;
            markup.Add(H($"""
                <div class="header-row">
                {Layout.Input(prefix + ".name", $"Header {i + 1} name", row.Name, errors)}
                {Layout.Input(prefix + ".value", $"Header {i + 1} value", value, errors, valueHint, type: row.Sensitive ? "password" : "text", autocomplete: "off", placeholder: row.Stored && !create ? "unchanged" : null)}
                {Layout.Checkbox(prefix + ".sensitive", "Sensitive", row.Sensitive, errors)}
                {When(row.Stored, H($"<input type=\"hidden\" name=\"{prefix}.stored\" value=\"true\">"))}
                </div>
                """));
        }
        return markup.Join();

        static IEnumerable<Markup> headerErrors(ValidationErrors errors) =>
            errors.Items.TryGetValue("headers", out var messages) ? [H($"<p class=\"field-error\" id=\"f-headers\">{string.Join("; ", messages)}</p>")] : [];
    }
}

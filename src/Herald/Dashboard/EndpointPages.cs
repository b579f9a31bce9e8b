using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Api;
using Herald.Core;
using Herald.Core.Applinks;
using Herald.Core.Endpoints;
using Herald.Core.Model;
using Herald.Core.Validation;
using Herald.Engine.Delivery;
using Herald.Engine.Publishing;
using Herald.Hosting;
using Herald.Storage;
using Herald.Storage.Ports;
using Herald.Core.Templates;
using QRCoder;
using static Herald.Dashboard.Html;

namespace Herald.Dashboard;

/// <summary>Endpoint pages: list, detail, create and edit forms, and the endpoint actions of the API.</summary>
internal static class EndpointPages
{
    /// <summary>The window of the success rate shown in the list.</summary>
    private static readonly TimeSpan RateWindow = TimeSpan.FromHours(24);

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/endpoints", List);
        pages.MapGet("/endpoints/new", NewForm);
        pages.MapPost("/endpoints/new", Create);
        pages.MapPost("/endpoints/template-preview", Preview);
        pages.MapGet("/endpoints/{id}", Show);
        pages.MapGet("/endpoints/{id}/edit", EditForm);
        pages.MapPost("/endpoints/{id}/edit", Edit);
        pages.MapPost("/endpoints/{id}/rotate", Rotate);
        pages.MapPost("/endpoints/{id}/test", Test);
        pages.MapPost("/endpoints/{id}/enable", (HttpContext c, string id, IEndpointStore s) => SetEnabled(c, id, true, s));
        pages.MapPost("/endpoints/{id}/disable", (HttpContext c, string id, IEndpointStore s) => SetEnabled(c, id, false, s));
        pages.MapPost("/endpoints/{id}/recover", Recover);
        pages.MapGet("/endpoints/{id}/applink.svg", ApplinkQr);
    }

    /// <summary>Endpoints per page of the list: an organization may have 10,000.</summary>
    internal const int ListPageSize = 100;

    /// <summary>
    /// The list, newest first, a page at a time with the API's cursors (<c>?cursor=</c> as
    /// <c>next_cursor</c> of <c>GET /v1/endpoints</c>). The page is cut from the endpoints the
    /// engine already holds, so "previous" is as cheap as "next".
    /// </summary>
    private static async Task<IResult> List(HttpContext context, EndpointCatalog catalog, IMonitoringReads store, TimeProvider time)
    {
        var user = context.User();
        var errors = new ValidationErrors();
        var cursor = Paging.Read(context.Request, errors).Cursor;
        if (errors.Items.ContainsKey("cursor"))
        {
            return Layout.Page(user, "Endpoints", H($"<h1>Endpoints</h1>{Layout.ErrorSummary(errors)}<p><a href=\"/endpoints\">Newest endpoints</a></p>"), 422, "/endpoints");
        }
        var all = (await catalog.ForOrgAsync(user.Caller.OrgId)).OrderByDescending(e => e.Id, StringComparer.Ordinal).ToList();
        var start = cursor is null ? 0 : all.FindIndex(e => string.CompareOrdinal(e.Id, cursor) < 0);
        if (start < 0)
        {
            start = all.Count;
        }
        var endpoints = all.Skip(start).Take(ListPageSize).ToList();
        var counts = await store.DeliveryCountsByEndpointAsync(user.Caller.OrgId, time.GetUtcNow() - RateWindow);
        var rows = endpoints.Select(e =>
        {
            var c = counts.GetValueOrDefault(e.Id);
            return H($"""
                <tr><td data-label="Name"><a href="/endpoints/{e.Id}">{e.Spec.Name}</a></td>
                <td data-label="URL"><code>{e.Spec.Url}</code></td>
                <td data-label="Status">{EnabledBadge(e)}</td>
                <td data-label="Circuit">{CircuitBadge(e)}</td>
                <td data-label="Success (24 h)">{SuccessRate(c)}</td></tr>
                """);
        }).Join();
        var create = user.CanChange ? H($"<p class=\"actions\"><a class=\"button\" href=\"/endpoints/new\">New endpoint</a></p>") : Markup.Empty;
        var table = all.Count == 0
            ? H($"<p>No endpoints yet.</p>")
            : endpoints.Count == 0
            ? H($"<p>No more endpoints.</p>")
            : H($"""
                <div class="table-wrap"><table class="responsive">
                <caption class="muted">Newest first, {start + 1}–{start + endpoints.Count} of {all.Count}. Success rate: deliveries created in the last 24 hours that succeeded, of those that finished.</caption>
                <thead><tr><th scope="col">Name</th><th scope="col">URL</th><th scope="col">Status</th><th scope="col">Circuit</th><th scope="col">Success (24 h)</th></tr></thead>
                <tbody>{rows}</tbody></table></div>
                """);
        // A page's cursor is the id just before its first endpoint; the first page has none.
        var previous = start == 0
            ? Markup.Empty
            : start <= ListPageSize
            ? H($"<a rel=\"prev\" href=\"{PageLink(context, null)}\">Previous endpoints</a>")
            : H($"<a rel=\"prev\" href=\"{PageLink(context, all[start - ListPageSize - 1].Id)}\">Previous endpoints</a>");
        var next = start + ListPageSize < all.Count
            ? H($"<a rel=\"next\" href=\"{PageLink(context, endpoints[^1].Id)}\">Next endpoints</a>")
            : Markup.Empty;
        var pager = start == 0 && next == Markup.Empty ? Markup.Empty : H($"<p class=\"pager\">{previous} {next}</p>");
        return Layout.Page(user, "Endpoints", H($"<h1>Endpoints</h1>{create}{table}{pager}"), section: "/endpoints");
    }

    // This page's query with another cursor (none: the first page), other parameters kept.
    private static string PageLink(HttpContext context, string? cursor)
    {
        var query = context.Request.Query.Where(p => p.Key != "cursor").Select(p => KeyValuePair.Create(p.Key, (string?)p.Value.ToString())).ToList();
        if (cursor is not null)
        {
            query.Add(KeyValuePair.Create("cursor", Paging.EncodeCursor(cursor)));
        }
        return context.Request.Path + QueryString.Create(query).ToString();
    }

    internal static Markup SuccessRate(HeraldStore.DeliveryCounts c)
    {
        var finished = c.Succeeded + c.Failed;
        if (finished == 0)
        {
            return c.Open > 0 ? H($"– ({c.Open} open)") : H($"–");
        }
        var rate = 100.0 * c.Succeeded / finished;
        return H($"{rate.ToString("0.#", CultureInfo.InvariantCulture)} % <span class=\"muted\">({c.Succeeded} of {finished}{(c.Open > 0 ? $", {c.Open} open" : "")})</span>");
    }

    private static Markup EnabledBadge(Endpoint e) =>
        e.Spec.Enabled ? H($"<span class=\"badge badge-enabled\">enabled</span>") : H($"<span class=\"badge badge-disabled\">disabled</span>");

    private static Markup CircuitBadge(Endpoint e) =>
        e.CircuitOpen ? H($"<span class=\"badge badge-open\">open</span>") : H($"<span class=\"badge badge-closed\">closed</span>");

    private static async Task<IResult> Show(HttpContext context, string id, EndpointCatalog catalog, IMonitoringReads store, TimeProvider time, string? notice, int? requeued)
    {
        var user = context.User();
        if (await catalog.FindAsync(user.Caller.OrgId, id) is not { } e)
        {
            return Layout.NotFound(user, "endpoint");
        }
        var message = notice switch
        {
            "saved" => "The endpoint was saved.",
            "enabled" => "The endpoint is enabled.",
            "disabled" => "The endpoint is disabled; its pending deliveries wait until it is enabled again.",
            _ => null,
        };
        if (requeued is { } n)
        {
            message = $"Re-queued {n} failed {(n == 1 ? "delivery" : "deliveries")} with a fresh schedule.";
        }
        var counts = (await store.DeliveryCountsByEndpointAsync(e.OrgId, time.GetUtcNow() - RateWindow)).GetValueOrDefault(e.Id);
        var body = H($"""
            <h1>{e.Spec.Name}</h1>
            {When(message is not null, H($"<p class=\"notice notice-ok\" role=\"status\">{message}</p>"))}
            <div class="actions">
            {When(user.CanChange, H($"<a class=\"button\" href=\"/endpoints/{e.Id}/edit\">Edit</a>"))}
            {Layout.ActionButton(user, $"/endpoints/{e.Id}/test", "Send test event")}
            {(e.Spec.Enabled ? Layout.ActionButton(user, $"/endpoints/{e.Id}/disable", "Disable", "danger") : Layout.ActionButton(user, $"/endpoints/{e.Id}/enable", "Enable"))}
            {When(e.Spec.SignatureScheme != "none", Layout.ActionButton(user, $"/endpoints/{e.Id}/rotate", "Rotate secret"))}
            <a class="button secondary" href="/deliveries?endpoint_id={Uri.EscapeDataString(e.Id)}">Deliveries</a>
            </div>
            {Facts(e, counts)}
            {Settings(e.Spec)}
            {RecoverForm(user, e, time)}
            <h2>Applink</h2>
            <p>A CyberTracker device scans this code to send its observations to this endpoint.</p>
            <div class="qr"><img src="/endpoints/{e.Id}/applink.svg" alt="QR code of the applink of {e.Spec.Name}"></div>
            <p><code id="applink">{new Applink(e.Spec.Url, e.Spec.Name).ToLink()}</code> <button type="button" class="secondary" data-copy="applink" hidden>Copy link</button></p>
            """);
        return Layout.Page(user, e.Spec.Name, body, section: "/endpoints");
    }

    private static Markup Facts(Endpoint e, HeraldStore.DeliveryCounts counts) => H($"""
        <dl class="facts">
        <dt>Id</dt><dd><code>{e.Id}</code></dd>
        <dt>Status</dt><dd>{EnabledBadge(e)}{When(e.DisabledReason is not null, H($" {e.DisabledReason}"))}</dd>
        <dt>Circuit</dt><dd>{CircuitBadge(e)}</dd>
        <dt>Success (24 h)</dt><dd>{SuccessRate(counts)}</dd>
        <dt>URL</dt><dd><code>{e.Spec.Url}</code>{When(e.Insecure, H($" <span class=\"badge badge-pending\">insecure (http)</span>"))}</dd>
        <dt>Secret</dt><dd>{(e.Secrets.Current is { Length: > 4 } s ? "…" + s[^4..] : "none")}</dd>
        <dt>Created</dt><dd>{Layout.Time(e.CreatedAt)}</dd>
        <dt>Updated</dt><dd>{Layout.Time(e.UpdatedAt)}</dd>
        </dl>
        """);

    /// <summary>Every option, as the API shows it: passwords and sensitive values masked.</summary>
    private static Markup Settings(EndpointSpec spec)
    {
        var headers = spec.Headers.Count == 0
            ? H($"none")
            : H($"<ul>{spec.Headers.Select(h => H($"<li><code>{h.Name}: {(h.Sensitive ? EndpointSpecParser.Mask : h.Value)}</code>{When(h.Sensitive, H($" (sensitive)"))}</li>")).Join()}</ul>");
        var auth = spec.Auth.Type == "basic" ? H($"basic, user <code>{spec.Auth.Username}</code>, password {EndpointSpecParser.Mask}") : H($"none");
        var delivery = spec.Delivery.Mode == "deferred"
            ? $"deferred every {Durations.Format(spec.Delivery.Interval ?? TimeSpan.Zero)}{(spec.Delivery.Batch ? ", batched" : "")}"
            : "immediate";
        return H($"""
            <h2>Settings</h2>
            <dl class="facts">
            <dt>Method</dt><dd>{spec.Method}</dd>
            <dt>Description</dt><dd>{(spec.Description.Length == 0 ? "–" : spec.Description)}</dd>
            <dt>Event types</dt><dd>{(spec.EventTypes.Count == 0 ? "all (except herald.*)" : string.Join(", ", spec.EventTypes))}</dd>
            <dt>Entity types</dt><dd>{(spec.EntityTypes.Count == 0 ? "all" : string.Join(", ", spec.EntityTypes))}</dd>
            <dt>Filter</dt><dd>{(spec.FilterJson is null ? H($"none") : H($"<code>{spec.FilterJson}</code>"))}</dd>
            <dt>Auth</dt><dd>{auth}</dd>
            <dt>Signature</dt><dd>{spec.SignatureScheme}{(spec.SignatureHeader is { } sh ? $" in {sh}" : "")}</dd>
            <dt>Headers</dt><dd>{headers}</dd>
            <dt>Format</dt><dd>{spec.Format}</dd>
            {When(spec.Template is not null, H($"<dt>Template</dt><dd><pre>{spec.Template}</pre></dd>"))}
            {When(spec.SourceFieldKey is not null || spec.DestinationFieldKey is not null, H($"<dt>Field keys</dt><dd>source {spec.SourceFieldKey ?? "–"}, destination {spec.DestinationFieldKey ?? "–"}</dd>"))}
            <dt>Retry</dt><dd>{string.Join(", ", spec.Retry.Schedule.Select(Durations.Format))} (jitter {spec.Retry.Jitter.ToString(CultureInfo.InvariantCulture)})</dd>
            <dt>Delivery</dt><dd>{delivery}</dd>
            <dt>Timeout</dt><dd>{Durations.Format(spec.Timeout)}</dd>
            <dt>Rate limit</dt><dd>{(spec.RateLimit is { } rate ? rate.ToString(CultureInfo.InvariantCulture) + " requests/s" : "none")}</dd>
            <dt>Ordering</dt><dd>{spec.Ordering}</dd>
            <dt>Metadata</dt><dd><code>{spec.MetadataJson}</code></dd>
            </dl>
            """);
    }

    private static Markup RecoverForm(DashboardUser user, Endpoint e, TimeProvider time, ValidationErrors? errors = null, string? since = null, string? until = null)
    {
        if (!user.CanChange)
        {
            return Markup.Empty;
        }
        return H($"""
            <h2>Recover</h2>
            <form method="post" action="/endpoints/{e.Id}/recover">
            {Layout.Csrf(user)}
            <p>Re-queue, with a fresh schedule, every failed delivery of this endpoint whose event was accepted in a window (UTC).</p>
            {Layout.Input("since", "Since (UTC)", since ?? Moments.Local(time.GetUtcNow() - TimeSpan.FromHours(24)), errors, "Inclusive. A date and time, or RFC 3339 like 2026-11-22T00:00:00Z.", type: "datetime-local", required: true)}
            {Layout.Input("until", "Until (UTC, optional)", until, errors, "Exclusive; empty means now.", type: "datetime-local")}
            <button type="submit" class="secondary">Recover failed deliveries</button>
            </form>
            """);
    }

    private static async Task<IResult> Recover(HttpContext context, string id, EndpointCatalog catalog, IDeliveryQueue store, DispatchSignal signal, TimeProvider time)
    {
        var user = context.User();
        if (await catalog.FindAsync(user.Caller.OrgId, id) is not { } e)
        {
            return Layout.NotFound(user, "endpoint");
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var errors = new ValidationErrors();
        var sinceText = form["since"].ToString();
        var untilText = form["until"].ToString();
        var since = Moments.Read(sinceText, "since", errors, required: true);
        var until = Moments.Read(untilText, "until", errors, required: false) ?? time.GetUtcNow();
        if (since is { } s && until <= s)
        {
            errors.Add("until", "must be later than since");
        }
        if (errors.Any)
        {
            var page = H($"<h1>{e.Spec.Name}</h1>{Layout.ErrorSummary(errors)}{RecoverForm(user, e, time, errors, sinceText, untilText)}<p><a href=\"/endpoints/{e.Id}\">Back to the endpoint</a></p>");
            return Layout.Page(user, "Recover " + e.Spec.Name, page, 422, "/endpoints");
        }
        var requeued = await store.RecoverAsync(e.OrgId, e.Id, e.Spec.Enabled, since!.Value, until);
        signal.Notify();
        return DashboardRoutes.SeeOther($"/endpoints/{Uri.EscapeDataString(e.Id)}?requeued={requeued}");
    }

    private static IResult NewForm(HttpContext context)
    {
        var user = context.User();
        return user.CanChange ? FormPage(user, null, EndpointForm.ForNew(), new ValidationErrors(), null, 200) : ReadOnly(user);
    }

    private static async Task<IResult> EditForm(HttpContext context, string id, EndpointCatalog catalog)
    {
        var user = context.User();
        if (!user.CanChange)
        {
            return ReadOnly(user);
        }
        return await catalog.FindAsync(user.Caller.OrgId, id) is { } e
            ? FormPage(user, e, EndpointForm.FromSpec(EndpointView.SpecToJson(e.Spec, mask: true)), new ValidationErrors(), null, 200)
            : Layout.NotFound(user, "endpoint");
    }

    private static IResult ReadOnly(DashboardUser user) =>
        Layout.Message(user, 403, "Read-only access", $"Your key has the {Roles.Name(user.Caller.Role)} role, which may only read; changes need an admin key.");

    private static Task<IResult> Create(HttpContext context, IEndpointStore store, EndpointCatalog catalog, TargetGuard guard, HeraldOptions options, TimeProvider time) =>
        Submit(context, null, store, catalog, guard, options, time);

    private static async Task<IResult> Edit(HttpContext context, string id, IEndpointStore store, EndpointCatalog catalog, TargetGuard guard, HeraldOptions options, TimeProvider time)
    {
        var user = context.User();
        return await catalog.FindAsync(user.Caller.OrgId, id) is { } existing
            ? await Submit(context, existing, store, catalog, guard, options, time)
            : Layout.NotFound(user, "endpoint");
    }

    /// <summary>Saves the posted form, or shows it again with the errors, a template preview or one more header row.</summary>
    private static async Task<IResult> Submit(HttpContext context, Endpoint? existing, IEndpointStore store, EndpointCatalog catalog, TargetGuard guard, HeraldOptions options, TimeProvider time)
    {
        var user = context.User();
        var posted = await context.Request.ReadFormAsync(context.RequestAborted);
        var form = EndpointForm.FromPost(posted);
        var action = posted["_action"].ToString();
        if (action == "add-header")
        {
            form.Headers.Add(new EndpointForm.HeaderRow("", "", false, false));
            return FormPage(user, existing, form, new ValidationErrors(), null, 200);
        }
        if (action == "preview")
        {
            return FormPage(user, existing, form, new ValidationErrors(), await RenderPreviewAsync(form["template"], form["name"], form["url"], existing?.Id, user.Caller.OrgId, context.RequestAborted), 200);
        }

        var formErrors = new ValidationErrors();
        var body = form.ToBody(existing is null, formErrors);
        if (body is null)
        {
            return FormPage(user, existing, form, formErrors, null, 422);
        }
        var result = await EndpointWriter.SaveAsync(user.Caller.OrgId, existing, body, store, catalog, guard, options, time, context.RequestAborted);
        var (saved, secret) = (result.Saved, result.Secret);
        if (saved is null)
        {
            var errors = FormErrors(result);
            var relocated = new ValidationErrors();
            foreach (var (path, messages) in errors.Items)
            {
                foreach (var message in messages)
                {
                    relocated.Add(form.FormPath(path), message);
                }
            }
            return FormPage(user, existing, form, relocated, null, 422);
        }
        return secret is not null
            ? SecretPage(user, saved, secret, existing is null ? "Endpoint created" : "Endpoint saved with a new signing scheme")
            : DashboardRoutes.SeeOther($"/endpoints/{Uri.EscapeDataString(saved.Id)}?notice=saved");
    }

    /// <summary>Why a save failed, as errors at the JSON paths of the endpoint's body.</summary>
    private static ValidationErrors FormErrors(EndpointSaveResult result)
    {
        var errors = result.Invalid ?? new ValidationErrors();
        if (result.Refused is { } refused)
        {
            errors.Add(refused.Path, refused.Message);
        }
        if (result.Conflict is { } conflict)
        {
            errors.Add("name", conflict);
        }
        if (result.Limit is { } limit)
        {
            errors.Add("", limit);
        }
        if (result.Gone)
        {
            errors.Add("", "The endpoint was deleted meanwhile.");
        }
        return errors;
    }

    /// <summary>The secret, shown this once: only create and rotate reveal it.</summary>
    private static IResult SecretPage(DashboardUser user, Endpoint e, string secret, string title)
    {
        var body = H($"""
            <h1>{title}</h1>
            <div class="notice notice-ok" role="status">
            <h2>Signing secret of {e.Spec.Name}</h2>
            <p>Copy it now: it is shown only this once. Receivers verify signatures with it.</p>
            <p class="secret"><code id="secret">{secret}</code> <button type="button" class="secondary" data-copy="secret" hidden>Copy secret</button></p>
            </div>
            <p><a class="button" href="/endpoints/{e.Id}">Go to the endpoint</a></p>
            """);
        return Layout.Page(user, title, body, section: "/endpoints");
    }

    private static async Task<IResult> Rotate(HttpContext context, string id, IEndpointStore store, EndpointCatalog catalog, HeraldOptions options, TimeProvider time)
    {
        var user = context.User();
        if (await catalog.FindAsync(user.Caller.OrgId, id) is not { } endpoint)
        {
            return Layout.NotFound(user, "endpoint");
        }
        if (SecretRotation.Rotate(endpoint, time.GetUtcNow(), options.RotationOverlap) is not var (rotated, secret))
        {
            return Layout.Message(user, 409, "Nothing to rotate", SecretRotation.NothingToRotate);
        }
        if (await store.UpdateEndpointAsync(catalog.Seal(rotated)) is null)
        {
            return Layout.NotFound(user, "endpoint");
        }
        return SecretPage(user, rotated, secret, "Secret rotated");
    }

    private static async Task<IResult> Test(HttpContext context, string id, EndpointCatalog catalog, Publisher publisher)
    {
        var user = context.User();
        if (await catalog.FindAsync(user.Caller.OrgId, id) is not { } endpoint)
        {
            return Layout.NotFound(user, "endpoint");
        }
        var attempt = await publisher.PingAsync(endpoint, context.RequestAborted);
        var outcome = attempt.Response is { Status: >= 200 and < 300 }
            ? H($"<p class=\"notice notice-ok\" role=\"status\">The endpoint acknowledged the test event.</p>")
            : H($"<p class=\"notice notice-error\" role=\"alert\">The test event was not acknowledged.</p>");
        var body = H($"""
            <h1>Test of {endpoint.Spec.Name}</h1>
            {outcome}
            {DeliveryPages.AttemptView(attempt, 1)}
            <p><a href="/deliveries/{attempt.DeliveryId}">The test delivery</a> · <a href="/endpoints/{endpoint.Id}">Back to the endpoint</a></p>
            """);
        return Layout.Page(user, "Test of " + endpoint.Spec.Name, body, section: "/endpoints");
    }

    private static async Task<IResult> SetEnabled(HttpContext context, string id, bool enabled, IEndpointStore store)
    {
        var user = context.User();
        var stored = await store.SetEndpointEnabledAsync(user.Caller.OrgId, id, enabled, enabled ? null : "Disabled from the dashboard.");
        return stored is null
            ? Layout.NotFound(user, "endpoint")
            : DashboardRoutes.SeeOther($"/endpoints/{Uri.EscapeDataString(id)}?notice={(enabled ? "enabled" : "disabled")}");
    }

    private static async Task<IResult> ApplinkQr(HttpContext context, string id, EndpointCatalog catalog)
    {
        var user = context.User();
        if (await catalog.FindAsync(user.Caller.OrgId, id) is not { } endpoint)
        {
            return Layout.NotFound(user, "endpoint");
        }
        var link = new Applink(endpoint.Spec.Url, endpoint.Spec.Name).ToLink();
        QRCodeData data;
        try
        {
            // The generator and level of GET /v1/endpoints/{id}/applink.svg.
            data = QRCodeGenerator.GenerateQrCode(link, QRCodeGenerator.ECCLevel.M);
        }
        catch (QRCoder.Exceptions.DataTooLongException)
        {
            return Results.NotFound();
        }
        using (data)
        using (var renderer = new SvgQRCode(data))
        {
            var svg = renderer.GetGraphic(10, "#000000", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return Results.Bytes(Encoding.UTF8.GetBytes(svg), "image/svg+xml");
        }
    }

    /// <summary>The live preview: the template rendered by the delivery renderer against a sample event.</summary>
    private static async Task<IResult> Preview(HttpRequest request, HttpResponse response)
    {
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var (body, error) = await RenderTemplateAsync(form["template"].ToString(), form["name"].ToString(), form["url"].ToString(), null,
            request.HttpContext.User().Caller.OrgId, request.HttpContext.RequestAborted);
        response.Headers.CacheControl = "no-store";
        return Results.Json(new PreviewResult(body, error), DashboardPreviewJson.Default.PreviewResult);
    }

    internal sealed record PreviewResult(string? Body, string? Error);

    private static async Task<Markup> RenderPreviewAsync(string template, string name, string url, string? endpointId, string organization, CancellationToken cancellationToken)
    {
        var (body, error) = await RenderTemplateAsync(template, name, url, endpointId, organization, cancellationToken);
        return error is null ? H($"{body}") : H($"Error: {error}");
    }

    /// <summary>The sample event of the preview (the envelope example of the README).</summary>
    /// <remarks>Rendered on a render thread in the organization's turn, like a delivery's body.</remarks>
    internal static async Task<(string? Body, string? Error)> RenderTemplateAsync(string template, string name, string url, string? endpointId, string organization, CancellationToken cancellationToken)
    {
        if (!BodyTemplate.TryParse(template, out var parsed, out var parseError))
        {
            return (null, parseError);
        }
        var context = new TemplateContext(
            "evt_01KSAMPLE0000000000000000", "inspection.started", "2017-06-29T05:15:19.136Z",
            """{"type":"user","id":"user_bb5b6ba0","name":"John Smith"}""", "inspection", "audit_7e9ee886",
            """{"audit_id":"audit_7e9ee886","score":0}"""u8.ToArray(),
            endpointId ?? "ep_01KSAMPLE0000000000000000", name, url, "dlv_01KSAMPLE0000000000000000", 1);
        var (bytes, renderError) = await parsed.RenderAsync(context, organization, cancellationToken);
        if (renderError is not null)
        {
            return (null, renderError);
        }
        return (Pretty(bytes), null);
    }

    internal static string Pretty(byte[] json)
    {
        try
        {
            var node = JsonNode.Parse(json);
            return node is null ? "null" : node.ToJsonString(PrettyJson);
        }
        // InvalidOperationException: a receiver's answer may hold a string that is no Unicode text ("\ud800"); shown as received.
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return Encoding.UTF8.GetString(json);
        }
    }

    private static readonly JsonSerializerOptions PrettyJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static IResult FormPage(DashboardUser user, Endpoint? existing, EndpointForm form, ValidationErrors errors, Markup? preview, int status)
    {
        var create = existing is null;
        var title = create ? "New endpoint" : "Edit " + existing!.Spec.Name;
        var action = create ? "/endpoints/new" : $"/endpoints/{existing!.Id}/edit";
        var body = H($"""
            <h1>{title}</h1>
            {Layout.ErrorSummary(errors)}
            <form method="post" action="{action}" novalidate>
            {Layout.Csrf(user)}
            {EndpointFormView.Fields(form, errors, create, preview)}
            <div class="actions"><button type="submit" name="_action" value="save">{(create ? "Create endpoint" : "Save changes")}</button>
            <a href="{(create ? "/endpoints" : $"/endpoints/{existing!.Id}")}">Cancel</a></div>
            </form>
            """);
        return Layout.Page(user, title, body, status, "/endpoints");
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(EndpointPages.PreviewResult))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class DashboardPreviewJson : System.Text.Json.Serialization.JsonSerializerContext;

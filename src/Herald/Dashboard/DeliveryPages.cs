using Herald.Api;
using Herald.Core.Model;
using Herald.Core.Validation;
using Herald.Engine.Delivery;
using Herald.Storage;
using Herald.Storage.Ports;
using static Herald.Dashboard.Html;

namespace Herald.Dashboard;

/// <summary>Deliveries by status and endpoint, a delivery with its attempts, and the retry button.</summary>
internal static class DeliveryPages
{
    private const int PageSize = 50;

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/deliveries", List);
        pages.MapGet("/deliveries/{id}", Show);
        pages.MapPost("/deliveries/{id}/retry", Retry);
    }

    public static async Task<IReadOnlyDictionary<string, string>> EndpointNamesAsync(EndpointCatalog catalog, string orgId) =>
        (await catalog.ForOrgAsync(orgId)).ToDictionary(e => e.Id, e => e.Spec.Name);

    private static async Task<IResult> List(HttpContext context, IMonitoringReads store, EndpointCatalog catalog)
    {
        var user = context.User();
        var q = context.Request.Query;
        string? Field(string name) => q.TryGetValue(name, out var v) && v.ToString().Trim() is { Length: > 0 } text ? text : null;
        var errors = new ValidationErrors();
        DeliveryStatus? status = null;
        if (Field("status") is { } statusText)
        {
            if (DeliveryStatuses.TryParse(statusText, out var parsed))
            {
                status = parsed;
            }
            else
            {
                errors.Add("status", "must be pending, delivering, succeeded, failed or cancelled");
            }
        }
        var names = await EndpointNamesAsync(catalog, user.Caller.OrgId);
        var endpointId = Field("endpoint_id");
        var statuses = new List<(string, string)> { ("", "any") };
        statuses.AddRange(Enum.GetValues<DeliveryStatus>().Select(s => (DeliveryStatuses.Name(s), DeliveryStatuses.Name(s))));
        var endpoints = new List<(string, string)> { ("", "any") };
        endpoints.AddRange(names.OrderBy(n => n.Value, StringComparer.OrdinalIgnoreCase).Select(n => (n.Key, n.Value)));
        var form = H($"""
            <form method="get" action="/deliveries" class="filters" role="search" aria-label="Filter deliveries">
            {Layout.Select("status", "Status", Field("status") ?? "", statuses, errors)}
            {Layout.Select("endpoint_id", "Endpoint", endpointId ?? "", endpoints, errors)}
            <div class="field"><button type="submit">Filter</button></div>
            </form>
            """);
        if (errors.Any)
        {
            return Layout.Page(user, "Deliveries", H($"<h1>Deliveries</h1>{Layout.ErrorSummary(errors)}{form}"), 422, "/deliveries");
        }
        var page = await store.ListDeliveriesAsync(user.Caller.OrgId, new DeliveryQuery(endpointId, null, status, null, null, Field("cursor"), PageSize));
        var more = page.NextCursor is { } next ? H($"<p class=\"pager\"><a href=\"{EventPages.Pager(context, next)}\">Older deliveries</a></p>") : Markup.Empty;
        return Layout.Page(user, "Deliveries", H($"<h1>Deliveries</h1>{form}{Table(page.Items, names, showEvent: true)}{more}"), section: "/deliveries");
    }

    public static Markup Table(IReadOnlyList<Core.Model.Delivery> deliveries, IReadOnlyDictionary<string, string> endpointNames, bool showEvent)
    {
        if (deliveries.Count == 0)
        {
            return H($"<p>No deliveries.</p>");
        }
        var rows = deliveries.Select(d => H($"""
            <tr><td data-label="Delivery"><a href="/deliveries/{d.Id}"><code>{d.Id}</code></a></td>
            <td data-label="Status">{Layout.Status(d.Status)}</td>
            <td data-label="Endpoint"><a href="/endpoints/{d.EndpointId}">{endpointNames.GetValueOrDefault(d.EndpointId, d.EndpointId)}</a></td>
            {When(showEvent, H($"<td data-label=\"Event\"><a href=\"/events/{d.EventId}\"><code>{d.EventId}</code></a></td>"))}
            <td data-label="Attempts">{d.AttemptCount}</td>
            <td data-label="Updated">{Layout.Time(d.UpdatedAt)}</td></tr>
            """)).Join();
        var eventHeader = showEvent ? H($"<th scope=\"col\">Event</th>") : Markup.Empty;
        return H($"""
            <div class="table-wrap"><table class="responsive">
            <thead><tr><th scope="col">Delivery</th><th scope="col">Status</th><th scope="col">Endpoint</th>{eventHeader}<th scope="col">Attempts</th><th scope="col">Updated</th></tr></thead>
            <tbody>{rows}</tbody></table></div>
            """);
    }

    private static async Task<IResult> Show(HttpContext context, string id, IMonitoringReads store, EndpointCatalog catalog, string? notice)
    {
        var user = context.User();
        if (await store.GetDeliveryAsync(user.Caller.OrgId, id) is not { } d)
        {
            return Layout.NotFound(user, "delivery");
        }
        var attempts = await store.ListAttemptsAsync(d.Id);
        var endpoint = await catalog.FindAsync(user.Caller.OrgId, d.EndpointId);
        var message = notice == "retried" ? H($"<p class=\"notice notice-ok\" role=\"status\">One attempt was made now; it is the last one below.</p>") : Markup.Empty;
        var retry = d.Status == DeliveryStatus.Cancelled || endpoint is not { Spec.Enabled: true }
            ? Markup.Empty
            : Layout.ActionButton(user, $"/deliveries/{d.Id}/retry", "Retry now");
        var attemptViews = attempts.Count == 0
            ? H($"<p>No attempts yet.</p>")
            : attempts.Select((a, i) => AttemptView(a, i + 1)).Join();
        var body = H($"""
            <h1>Delivery <code>{d.Id}</code></h1>
            {message}
            <div class="actions">{retry}</div>
            <dl class="facts">
            <dt>Status</dt><dd>{Layout.Status(d.Status)}</dd>
            <dt>Endpoint</dt><dd><a href="/endpoints/{d.EndpointId}">{endpoint?.Spec.Name ?? d.EndpointId}</a></dd>
            <dt>Event</dt><dd><a href="/events/{d.EventId}"><code>{d.EventId}</code></a></dd>
            <dt>Attempts</dt><dd>{d.AttemptCount}</dd>
            <dt>Next attempt</dt><dd>{(d.Status == DeliveryStatus.Pending ? Layout.Time(d.NextAttemptAt) : H($"–"))}</dd>
            <dt>Created</dt><dd>{Layout.Time(d.CreatedAt)}</dd>
            <dt>Updated</dt><dd>{Layout.Time(d.UpdatedAt)}</dd>
            </dl>
            <h2>Attempts</h2>
            {attemptViews}
            """);
        return Layout.Page(user, "Delivery " + d.Id, body, section: "/deliveries");
    }

    /// <summary>One attempt: the request as sent and the response, header values masked as stored.</summary>
    public static Markup AttemptView(Attempt a, int number)
    {
        var outcome = a.Response is { } r
            ? H($"<span class=\"badge {(r.Status is >= 200 and < 300 ? "badge-succeeded" : "badge-failed")}\">HTTP {r.Status}</span>")
            : H($"<span class=\"badge badge-failed\">no response</span>");
        var response = a.Response is { } res
            ? H($"""
                <h4>Response headers</h4>{Headers(res.Headers)}
                <h4>Response body</h4><pre>{res.Body}</pre>
                """)
            : Markup.Empty;
        return H($"""
            <section class="attempt" aria-labelledby="{a.Id}-title">
            <h3 id="{a.Id}-title">Attempt {number} {outcome}</h3>
            <dl class="facts">
            <dt>Id</dt><dd><code>{a.Id}</code></dd>
            <dt>Started</dt><dd>{Layout.Time(a.StartedAt)}</dd>
            <dt>Duration</dt><dd>{a.DurationMs} ms</dd>
            <dt>Request</dt><dd><code>{a.Request.Method} {a.Request.Url}</code></dd>
            {When(a.Error is not null, H($"<dt>Error</dt><dd class=\"field-error\">{a.Error}</dd>"))}
            </dl>
            <details><summary>Request headers</summary>{Headers(a.Request.Headers)}</details>
            {response}
            </section>
            """);
    }

    private static Markup Headers(IReadOnlyDictionary<string, string> headers) =>
        headers.Count == 0
            ? H($"<p class=\"muted\">none</p>")
            : H($"<div class=\"table-wrap\"><table><tbody>{headers.Select(h => H($"<tr><th scope=\"row\"><code>{h.Key}</code></th><td><code>{h.Value}</code></td></tr>")).Join()}</tbody></table></div>");

    /// <summary>As POST /v1/deliveries/{id}/retry: one attempt now, under a lease, outside the schedule.</summary>
    private static async Task<IResult> Retry(HttpContext context, string id, ManualRetry retry)
    {
        var user = context.User();
        var outcome = await retry.RunAsync(user.Caller.OrgId, id);
        if (!outcome.Found)
        {
            return Layout.NotFound(user, "delivery");
        }
        if (outcome.Refused is { } reason)
        {
            return Layout.Message(user, 409, "Cannot retry", reason);
        }
        return DashboardRoutes.SeeOther($"/deliveries/{Uri.EscapeDataString(id)}?notice=retried");
    }
}

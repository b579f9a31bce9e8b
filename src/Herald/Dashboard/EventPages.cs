using Herald.Core.Validation;
using Herald.Engine.Delivery;
using Herald.Storage;
using Herald.Storage.Ports;
using static Herald.Dashboard.Html;

namespace Herald.Dashboard;

/// <summary>Event search (type, resource, time window) and the event page with its payload and deliveries.</summary>
internal static class EventPages
{
    private const int PageSize = 50;

    public static void Map(RouteGroupBuilder pages)
    {
        pages.MapGet("/events", Search);
        pages.MapGet("/events/{id}", Show);
    }

    private static async Task<IResult> Search(HttpContext context, IEventStore store)
    {
        var user = context.User();
        var q = context.Request.Query;
        string? Field(string name) => q.TryGetValue(name, out var v) && v.ToString().Trim() is { Length: > 0 } text ? text : null;
        var errors = new ValidationErrors();
        var since = Moments.Read(Field("since"), "since", errors, required: false);
        var until = Moments.Read(Field("until"), "until", errors, required: false);
        if (since is { } s && until is { } u && u <= s)
        {
            errors.Add("until", "must be later than since");
        }
        var cursor = Field("cursor");
        var form = H($"""
            <form method="get" action="/events" class="filters" role="search" aria-label="Search events">
            {Layout.Input("type", "Type", Field("type"), errors, placeholder: "inspection.started")}
            {Layout.Input("resource_type", "Resource type", Field("resource_type"), errors, placeholder: "inspection")}
            {Layout.Input("resource_id", "Resource id", Field("resource_id"), errors, placeholder: "audit_7e9ee886")}
            {Layout.Input("since", "Since (UTC)", Field("since"), errors, type: "datetime-local")}
            {Layout.Input("until", "Until (UTC)", Field("until"), errors, type: "datetime-local")}
            <div class="field"><button type="submit">Search</button></div>
            </form>
            """);
        if (errors.Any)
        {
            return Layout.Page(user, "Events", H($"<h1>Events</h1>{Layout.ErrorSummary(errors)}{form}"), 422, "/events");
        }
        var page = await store.ListEventsAsync(user.Caller.OrgId, new EventQuery(Field("type"), Field("resource_type"), Field("resource_id"), since, until, cursor, PageSize));
        var rows = page.Items.Select(e => H($"""
            <tr><td data-label="Event"><a href="/events/{e.Id}"><code>{e.Id}</code></a></td>
            <td data-label="Type">{e.Type}</td>
            <td data-label="Resource">{(e.Resource is { } r ? $"{r.Type} {r.Id}" : "–")}</td>
            <td data-label="Accepted">{Layout.Time(e.CreatedAt)}</td></tr>
            """)).Join();
        var table = page.Items.Count == 0
            ? H($"<p>No events match.</p>")
            : H($"""
                <div class="table-wrap"><table class="responsive"><caption class="muted">Newest first; times in UTC.</caption>
                <thead><tr><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Resource</th><th scope="col">Accepted</th></tr></thead>
                <tbody>{rows}</tbody></table></div>
                """);
        var more = page.NextCursor is { } next ? H($"<p class=\"pager\"><a href=\"{Pager(context, next)}\">Older events</a></p>") : Markup.Empty;
        return Layout.Page(user, "Events", H($"<h1>Events</h1>{form}{table}{more}"), section: "/events");
    }

    /// <summary>This page's query with another cursor.</summary>
    internal static string Pager(HttpContext context, string cursor)
    {
        var query = context.Request.Query.Where(p => p.Key != "cursor").Select(p => KeyValuePair.Create(p.Key, (string?)p.Value.ToString())).ToList();
        query.Add(KeyValuePair.Create("cursor", (string?)cursor));
        return context.Request.Path + QueryString.Create(query).ToString();
    }

    private static async Task<IResult> Show(HttpContext context, string id, IEventStore store, IMonitoringReads reads, EndpointCatalog catalog)
    {
        var user = context.User();
        if (await store.GetEventAsync(user.Caller.OrgId, id) is not { } e)
        {
            return Layout.NotFound(user, "event");
        }
        var deliveries = await reads.ListDeliveriesAsync(user.Caller.OrgId, new DeliveryQuery(null, e.Id, null, null, null, null, 250));
        var names = await DeliveryPages.EndpointNamesAsync(catalog, user.Caller.OrgId);
        var triggeredBy = e.TriggeredByJson is null ? "–" : EndpointPages.Pretty(System.Text.Encoding.UTF8.GetBytes(e.TriggeredByJson));
        var body = H($"""
            <h1>Event <code>{e.Id}</code></h1>
            <dl class="facts">
            <dt>Type</dt><dd>{e.Type}</dd>
            <dt>Resource</dt><dd>{(e.Resource is { } r ? $"{r.Type} {r.Id}" : "–")}</dd>
            <dt>Triggered by</dt><dd>{(e.TriggeredByJson is null ? H($"–") : H($"<pre>{triggeredBy}</pre>"))}</dd>
            <dt>Occurred</dt><dd>{Layout.Time(e.OccurredAt)}</dd>
            <dt>Accepted</dt><dd>{Layout.Time(e.CreatedAt)}</dd>
            </dl>
            <h2>Payload (data)</h2>
            <pre id="payload">{EndpointPages.Pretty(e.Data)}</pre>
            <h2>Deliveries</h2>
            {DeliveryPages.Table(deliveries.Items, names, showEvent: false)}
            """);
        return Layout.Page(user, "Event " + e.Id, body, section: "/events");
    }
}

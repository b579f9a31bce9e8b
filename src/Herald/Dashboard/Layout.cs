using System.Text;
using Herald.Core.Model;
using Herald.Core.Validation;
using static Herald.Dashboard.Html;

namespace Herald.Dashboard;

/// <summary>The page shell, and the form controls every page builds from (each with its label and its errors).</summary>
internal static class Layout
{
    /// <summary>
    /// Nothing from another origin, no inline script or style: the stylesheet and the script are
    /// served by Herald, charts and QR codes are SVG made by Herald.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly (string Path, string Label)[] Sections =
    [
        ("/", "Overview"),
        ("/endpoints", "Endpoints"),
        ("/events", "Events"),
        ("/deliveries", "Deliveries"),
    ];

    public static IResult Page(DashboardUser? user, string title, Markup body, int status = 200, string? section = null) =>
        new HtmlResult(Document(user, title, body, section), status);

    public static IResult Message(DashboardUser? user, int status, string title, string text) =>
        Page(user, title, H($"<h1>{title}</h1><p class=\"notice notice-error\" role=\"alert\">{text}</p><p><a href=\"/\">Back to the overview</a></p>"), status);

    public static IResult NotFound(DashboardUser user, string what) =>
        Message(user, 404, "Not found", $"There is no {what} with this id in your organization.");

    private static string Document(DashboardUser? user, string title, Markup body, string? section)
    {
        var nav = Markup.Empty;
        if (user is not null)
        {
            var links = Sections.Select(s => s.Path == section
                ? H($"<li><a href=\"{s.Path}\" aria-current=\"page\">{s.Label}</a></li>")
                : H($"<li><a href=\"{s.Path}\">{s.Label}</a></li>")).Join();
            var access = user.CanChange ? "can change" : "read only";
            nav = H($"""
                <nav aria-label="Sections"><ul>{links}</ul></nav>
                <div class="who"><span>{user.Caller.OrgId} · {Roles.Name(user.Caller.Role)} ({access})</span>
                <form method="post" action="/sign-out">{Csrf(user)}<button type="submit" class="link">Sign out</button></form></div>
                """);
        }
        return H($"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{title} · Herald</title>
            <link rel="stylesheet" href="{DashboardAssets.StylePath}">
            <script src="{DashboardAssets.ScriptPath}" defer></script>
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header class="top"><a class="brand" href="/">Herald</a>{nav}</header>
            <main id="main">
            {body}
            </main>
            </body>
            </html>
            """).Value;
    }

    public static Markup Csrf(DashboardUser user) => H($"<input type=\"hidden\" name=\"{DashboardSession.CsrfField}\" value=\"{user.Csrf}\">");

    /// <summary>A one-button form for an action; shown only to users who may change things.</summary>
    public static Markup ActionButton(DashboardUser user, string action, string label, string style = "secondary") =>
        user.CanChange
            ? H($"<form method=\"post\" action=\"{action}\" class=\"inline\">{Csrf(user)}<button type=\"submit\" class=\"{style}\">{label}</button></form>")
            : Markup.Empty;

    public static Markup Time(DateTimeOffset? time) =>
        time is { } t ? H($"<time datetime=\"{Herald.Core.Times.Format(t)}\">{t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)}</time>") : H($"–");

    public static Markup Status(DeliveryStatus status)
    {
        var name = DeliveryStatuses.Name(status);
        return H($"<span class=\"badge badge-{name}\">{name}</span>");
    }

    public static Markup ErrorSummary(ValidationErrors errors)
    {
        if (!errors.Any)
        {
            return Markup.Empty;
        }
        var items = errors.Items.SelectMany(e => e.Value.Select(m => H($"<li><a href=\"#{FieldId(e.Key)}\">{Label(e.Key)}</a> {m}</li>"))).Join();
        return H($"<div class=\"notice notice-error\" role=\"alert\" tabindex=\"-1\" id=\"errors\"><h2>Please correct the following</h2><ul>{items}</ul></div>");
    }

    private static string Label(string path) => path.Length == 0 ? "The form" : path;

    /// <summary>An element id for a form field name (<c>headers[1].name</c> → <c>f-headers-1-name</c>).</summary>
    public static string FieldId(string name)
    {
        var id = new StringBuilder("f-");
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                id.Append(c);
            }
            else if (id[^1] != '-')
            {
                id.Append('-');
            }
        }
        return id.ToString().TrimEnd('-');
    }

    private static (Markup Described, Markup Notes) Notes(string name, string? hint, ValidationErrors? errors)
    {
        var id = FieldId(name);
        var ids = new List<string>();
        var notes = new List<Markup>();
        if (hint is not null)
        {
            ids.Add(id + "-hint");
            notes.Add(H($"<p class=\"hint\" id=\"{id}-hint\">{hint}</p>"));
        }
        if (errors is not null && errors.Items.TryGetValue(name, out var messages))
        {
            ids.Add(id + "-error");
            notes.Add(H($"<p class=\"field-error\" id=\"{id}-error\">{string.Join("; ", messages)}</p>"));
        }
        var described = ids.Count == 0 ? Markup.Empty : H($" aria-describedby=\"{string.Join(' ', ids)}\"");
        if (errors is not null && errors.Items.ContainsKey(name))
        {
            described = H($"{described} aria-invalid=\"true\"");
        }
        return (described, notes.Join());
    }

    public static Markup Input(string name, string label, string? value, ValidationErrors? errors = null, string? hint = null,
        string type = "text", bool required = false, string? placeholder = null, string? autocomplete = null)
    {
        var id = FieldId(name);
        var (described, notes) = Notes(name, hint, errors);
        var extra = H($"{When(required, H($" required"))}{When(placeholder is not null, H($" placeholder=\"{placeholder}\""))}{When(autocomplete is not null, H($" autocomplete=\"{autocomplete}\""))}");
        return H($"<div class=\"field\"><label for=\"{id}\">{label}</label><input type=\"{type}\" id=\"{id}\" name=\"{name}\" value=\"{value}\"{extra}{described}>{notes}</div>");
    }

    public static Markup TextArea(string name, string label, string? value, ValidationErrors? errors = null, string? hint = null, int rows = 3, bool code = false)
    {
        var id = FieldId(name);
        var (described, notes) = Notes(name, hint, errors);
        var css = code ? " class=\"code\" spellcheck=\"false\"" : "";
        return H($"<div class=\"field\"><label for=\"{id}\">{label}</label><textarea id=\"{id}\" name=\"{name}\" rows=\"{rows}\"{new Markup(css)}{described}>{value}</textarea>{notes}</div>");
    }

    public static Markup Select(string name, string label, string? value, IEnumerable<(string Value, string Text)> options, ValidationErrors? errors = null, string? hint = null)
    {
        var id = FieldId(name);
        var (described, notes) = Notes(name, hint, errors);
        var items = options.Select(o => o.Value == value
            ? H($"<option value=\"{o.Value}\" selected>{o.Text}</option>")
            : H($"<option value=\"{o.Value}\">{o.Text}</option>")).Join();
        return H($"<div class=\"field\"><label for=\"{id}\">{label}</label><select id=\"{id}\" name=\"{name}\"{described}>{items}</select>{notes}</div>");
    }

    public static Markup Checkbox(string name, string label, bool isChecked, ValidationErrors? errors = null, string? hint = null)
    {
        var id = FieldId(name);
        var (described, notes) = Notes(name, hint, errors);
        return H($"<div class=\"field check\"><input type=\"checkbox\" id=\"{id}\" name=\"{name}\" value=\"true\"{When(isChecked, H($" checked"))}{described}><label for=\"{id}\">{label}</label>{notes}</div>");
    }

    public static IEnumerable<(string, string)> Options(params string[] values) => values.Select(v => (v, v));

    /// <summary>Writes a dashboard page with the headers every page carries.</summary>
    private sealed class HtmlResult(string html, int status) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            var response = context.Response;
            response.StatusCode = status;
            response.ContentType = "text/html; charset=utf-8";
            ApplySecurityHeaders(response);
            await response.WriteAsync(html, Encoding.UTF8);
        }
    }

    public static void ApplySecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        // Pages show one organization's data (and a secret right after a rotation): never kept by caches.
        response.Headers.CacheControl = "no-store";
    }
}

using System.Security.Cryptography;
using System.Text;

namespace Herald.Dashboard;

/// <summary>
/// The dashboard's stylesheet and script, served by Herald itself (the Content-Security-Policy allows
/// no other origin and no inline code). The paths carry a hash of the content, so a browser may keep
/// them for a year and still never runs an old script after an upgrade.
/// </summary>
internal static class DashboardAssets
{
    private const string Style = """
        :root { --fg: #1b1f24; --muted: #57606a; --bg: #ffffff; --panel: #f6f8fa; --line: #d0d7de; --accent: #0b57d0;
                --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.45; }
        a { color: var(--accent); }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible
          { outline: 3px solid #ffbf47; outline-offset: 1px; }
        .skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
        .skip:focus { left: .5rem; z-index: 10; }
        header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
        .brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; color: var(--fg); }
        nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
        nav a[aria-current="page"] { font-weight: 700; text-decoration: none; color: var(--fg); }
        .who { margin-left: auto; display: flex; gap: .75rem; align-items: center; font-size: .9rem; color: var(--muted); flex-wrap: wrap; }
        main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
        h1 { font-size: 1.5rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
        h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
        h3 { font-size: 1.05rem; margin: 1rem 0 .4rem; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: .92rem; }
        th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
        th { background: var(--panel); font-weight: 600; }
        dl.facts { display: grid; grid-template-columns: minmax(6rem, max-content) minmax(0, 1fr); gap: .3rem 1rem; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; overflow-wrap: anywhere; }
        code { overflow-wrap: anywhere; }
        pre, code, textarea.code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
        pre { background: var(--panel); border: 1px solid var(--line); padding: .6rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 32rem; }
        .field { margin: 0 0 .9rem; }
        .field label { display: block; font-weight: 600; margin-bottom: .2rem; }
        .field.check { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
        .field.check label { display: inline; margin: 0; }
        .field.check .hint, .field.check .field-error { flex-basis: 100%; }
        input[type=text], input[type=url], input[type=password], input[type=number], input[type=datetime-local], select, textarea
          { width: 100%; max-width: 40rem; padding: .45rem; border: 1px solid #8c959f; border-radius: 4px; font: inherit; }
        textarea.code { font-size: .85rem; }
        .hint { color: var(--muted); font-size: .85rem; margin: .2rem 0 0; }
        .field-error { color: var(--bad); font-weight: 600; font-size: .9rem; margin: .2rem 0 0; }
        [aria-invalid="true"] { border-color: var(--bad) !important; border-width: 2px !important; }
        fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 1rem; padding: .6rem 1rem .2rem; min-width: 0; }
        legend { font-weight: 700; padding: 0 .3rem; }
        button, .button { display: inline-block; font: inherit; padding: .45rem .9rem; border-radius: 4px; border: 1px solid var(--accent);
          background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; min-height: 2.5rem; }
        button.secondary, .button.secondary { background: #fff; color: var(--accent); }
        button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
        button.link { background: none; border: none; color: var(--accent); text-decoration: underline; padding: 0; min-height: 0; }
        form.inline { display: inline-block; margin: 0 .4rem .4rem 0; }
        .actions { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .5rem 0 1rem; }
        .actions form { margin: 0; }
        .filters { display: flex; flex-wrap: wrap; gap: 0 1rem; align-items: flex-end; background: var(--panel); padding: .8rem 1rem 0; border-radius: 6px; margin-bottom: 1rem; }
        .filters .field { flex: 1 1 12rem; }
        .filters .field:last-child { flex: 0 0 auto; }
        .notice { padding: .7rem 1rem; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); margin: 0 0 1rem; }
        .notice h2 { margin-top: 0; font-size: 1rem; }
        .notice-error { border-color: var(--bad); background: #ffebe9; }
        .notice-ok { border-color: var(--ok); background: #dafbe1; }
        .secret { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
        .secret code { background: #fff; border: 1px solid var(--line); padding: .4rem; overflow-wrap: anywhere; }
        .badge { display: inline-block; padding: .05rem .45rem; border-radius: 999px; font-size: .8rem; font-weight: 600; border: 1px solid var(--line); background: var(--panel); }
        .badge-succeeded, .badge-enabled, .badge-closed { color: var(--ok); border-color: var(--ok); }
        .badge-failed, .badge-disabled, .badge-open { color: var(--bad); border-color: var(--bad); }
        .badge-pending, .badge-delivering { color: var(--warn); border-color: var(--warn); }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .75rem; margin-bottom: 1rem; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
        .card .value { font-size: 1.5rem; font-weight: 700; }
        .chart svg { width: 100%; height: auto; max-width: 60rem; display: block; }
        .legend { display: flex; flex-wrap: wrap; gap: .3rem 1rem; list-style: none; padding: 0; margin: .3rem 0; font-size: .9rem; }
        .swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: middle; border-radius: 2px; }
        .s-succeeded { background: #1a7f37; } .s-retrying { background: #bf8700; } .s-failed { background: #cf222e; }
        .s-p50 { background: #0b57d0; } .s-p95 { background: #8250df; } .s-p99 { background: #cf222e; }
        .qr img { width: 14rem; height: 14rem; border: 1px solid var(--line); }
        .header-row { display: grid; grid-template-columns: 1fr 1fr auto; gap: 0 .75rem; align-items: end; }
        .pager { margin: 1rem 0; }
        output.preview { display: block; }
        .muted { color: var(--muted); }
        .signin { max-width: 28rem; margin: 2rem auto; }
        @media (max-width: 40rem) {
          header.top { padding: .5rem .75rem; }
          .who { margin-left: 0; }
          main { padding: .75rem; }
          .header-row { grid-template-columns: 1fr; }
          table.responsive thead { display: none; }
          table.responsive tr { display: block; border-bottom: 1px solid var(--line); padding: .3rem 0; }
          table.responsive td { display: block; border: none; padding: .15rem 0; }
          table.responsive td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
        }
        """;

    private const string Script = """
        "use strict";
        document.addEventListener("DOMContentLoaded", function () {
          document.querySelectorAll("button[data-copy]").forEach(function (button) {
            button.hidden = false;
            button.addEventListener("click", function () {
              var target = document.getElementById(button.getAttribute("data-copy"));
              if (!target) { return; }
              var text = target.textContent;
              var done = function () { button.textContent = "Copied"; };
              if (navigator.clipboard && window.isSecureContext) {
                navigator.clipboard.writeText(text).then(done, function () { select(target); });
              } else {
                select(target);
              }
            });
          });
          function select(element) {
            var range = document.createRange();
            range.selectNodeContents(element);
            var selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
          }

          var template = document.getElementById("f-template");
          var output = document.getElementById("template-preview");
          var form = template && template.form;
          if (template && output && form) {
            var timer = null;
            var preview = function () {
              var data = new URLSearchParams();
              data.set("_csrf", form.elements["_csrf"].value);
              data.set("template", template.value);
              var name = form.elements["name"], url = form.elements["url"];
              if (name) { data.set("name", name.value); }
              if (url) { data.set("url", url.value); }
              fetch("/endpoints/template-preview", { method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" } })
                .then(function (r) { return r.json(); })
                .then(function (result) {
                  output.textContent = result.error ? "Error: " + result.error : result.body;
                  output.setAttribute("data-state", result.error ? "error" : "ok");
                })
                .catch(function () { output.textContent = "The preview could not be fetched."; });
            };
            template.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(preview, 300); });
          }
        });
        """;

    public static readonly string StylePath = "/assets/dashboard-" + Hash(Style) + ".css";
    public static readonly string ScriptPath = "/assets/dashboard-" + Hash(Script) + ".js";

    public static void Map(WebApplication app)
    {
        app.MapGet(StylePath, (HttpContext c) => Serve(c, Style, "text/css; charset=utf-8")).ExcludeFromDescription();
        app.MapGet(ScriptPath, (HttpContext c) => Serve(c, Script, "text/javascript; charset=utf-8")).ExcludeFromDescription();
    }

    private static IResult Serve(HttpContext context, string content, string type)
    {
        context.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Text(content, type);
    }

    private static string Hash(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)))[..12];
}

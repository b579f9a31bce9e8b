using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Herald.Cli;

/// <summary><c>herald delivery list|show|retry</c>: deliveries and their attempts.</summary>
public static class DeliveryCommand
{
    private const string ExitCodesHelp = "Exit codes: 0 ok, 1 the server refused or failed the request, 2 bad usage, 3 the server cannot be reached.";

    private static readonly string[] Statuses = ["pending", "delivering", "succeeded", "failed", "cancelled"];

    public static Command Create() => new("delivery", "Inspect and retry deliveries (one event to one endpoint) and their attempts.")
    {
        CreateList(),
        CreateShow(),
        CreateRetry(),
    };

    private static Command CreateList()
    {
        var endpointId = new Option<string?>("--endpoint-id") { Description = "Only deliveries to this endpoint", HelpName = "ID" };
        var eventId = new Option<string?>("--event-id") { Description = "Only deliveries of this event", HelpName = "ID" };
        var status = new Option<string?>("--status") { Description = "Only deliveries in this status: " + string.Join(", ", Statuses), HelpName = "STATUS" };
        var limit = new Option<int?>("--limit") { Description = "Deliveries per page (1-250, default 50)", HelpName = "N" };
        var all = new Option<bool>("--all") { Description = "Follow the pages to the end (progress on standard error)" };
        return AdminVerb.Create("list", "herald delivery list", $"""
            List deliveries, newest first: one page, or every page with --all. {ExitCodesHelp}

            Examples:
              herald delivery list --status failed --endpoint-id ep_…
              herald delivery list --event-id evt_… --json
            """, async (run, ct) =>
        {
            var query = new List<string>();
            AdminRun.AddQuery(query, "endpoint_id", run.Value(endpointId));
            AdminRun.AddQuery(query, "event_id", run.Value(eventId));
            if (run.Value(status) is { } s)
            {
                if (!Statuses.Contains(s))
                {
                    throw CliException.Usage($"--status {s} is not one of {string.Join(", ", Statuses)}.");
                }
                query.Add("status=" + s);
            }
            return await run.PrintListAsync("v1/deliveries", query, run.Value(limit), run.Value(all), "deliveries", Table, "(more deliveries: use --all)", ct);
        }, endpointId, eventId, status, limit, all);
    }

    private static Argument<string> IdArgument() => new("ID") { Description = "The delivery's id" };

    private static Command CreateShow()
    {
        var id = IdArgument();
        return AdminVerb.Create("show", "herald delivery show", $"""
            Show one delivery and its attempts: when each started, the response status, how long it
            took and the error. {ExitCodesHelp}

            Example:
              herald delivery show dlv_…
            """, async (run, ct) =>
        {
            var deliveryId = run.Value(id)!;
            var json = run.Json;
            using var client = run.Connect();
            var delivery = await client.RequestAsync(HttpMethod.Get, "v1/deliveries/" + AdminRun.Escape(deliveryId), null, ct);
            if (json)
            {
                await run.WriteJsonAsync(delivery);
                return ExitCodes.Ok;
            }
            await run.Out.WriteAsync(Describe(delivery));
            var attempts = delivery?["attempts"] as JsonArray ?? [];
            await run.Out.WriteLineAsync($"\nAttempts ({attempts.Count}):");
            await run.Out.WriteAsync(TablePrinter.Table(["STARTED", "STATUS", "DURATION", "ERROR"], attempts.Select(a => (IReadOnlyList<string?>)
            [
                TablePrinter.Str(a, "started_at"),
                a?["response"] is JsonObject response ? TablePrinter.Str(response, "status") : "-",
                TablePrinter.Str(a, "duration_ms") + " ms",
                TablePrinter.Str(a, "error"),
            ])));
            return ExitCodes.Ok;
        }, id);
    }

    private static Command CreateRetry()
    {
        var id = IdArgument();
        return AdminVerb.Create("retry", "herald delivery retry", $"""
            Make one attempt of a delivery now, outside its schedule (a resend when it already
            succeeded); a cancelled delivery cannot be retried. Needs an admin key. {ExitCodesHelp}

            Example:
              herald delivery retry dlv_…
            """, async (run, ct) =>
        {
            var deliveryId = run.Value(id)!;
            var json = run.Json;
            using var client = run.Connect();
            var delivery = await client.RequestAsync(HttpMethod.Post, "v1/deliveries/" + AdminRun.Escape(deliveryId) + "/retry", null, ct);
            await (json
                ? run.WriteJsonAsync(delivery)
                : run.Out.WriteLineAsync($"Retrying delivery {deliveryId}: status {TablePrinter.Str(delivery, "status")}, {TablePrinter.Str(delivery, "attempt_count")} attempts so far. See herald delivery show {deliveryId}."));
            return ExitCodes.Ok;
        }, id);
    }

    internal static string Describe(JsonNode? delivery) =>
        TablePrinter.Fields((delivery as JsonObject ?? []).Where(p => p.Key != "attempts").Select(p => (p.Key, (string?)TablePrinter.Show(p.Value))));

    internal static string Table(JsonArray deliveries) =>
        TablePrinter.Table(["ID", "EVENT", "ENDPOINT", "STATUS", "ATTEMPTS", "NEXT ATTEMPT"], deliveries.Select(d => (IReadOnlyList<string?>)
        [
            TablePrinter.Str(d, "id"), TablePrinter.Str(d, "event_id"), TablePrinter.Str(d, "endpoint_id"),
            TablePrinter.Str(d, "status"), TablePrinter.Str(d, "attempt_count"), TablePrinter.Str(d, "next_attempt_at"),
        ]));
}

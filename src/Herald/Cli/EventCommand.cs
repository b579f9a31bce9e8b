using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Herald.Cli;

/// <summary><c>herald event publish|list|show</c>: publishing and searching events.</summary>
public static class EventCommand
{
    private const string ExitCodesHelp = "Exit codes: 0 ok, 1 the server refused or failed the request, 2 bad usage, 3 the server cannot be reached.";

    public static Command Create() => new("event", "Publish and inspect events.")
    {
        CreatePublish(),
        CreateList(),
        CreateShow(),
    };

    private static Command CreatePublish()
    {
        var type = new Option<string?>("--type") { Description = "Event type, like inspection.started", HelpName = "TYPE", Required = true };
        var data = new Option<string?>("--data") { Description = "The event's data as JSON text", HelpName = "JSON" };
        var dataFile = new Option<string?>("--data-file") { Description = "File holding the event's data as JSON", HelpName = "FILE" };
        var resourceType = new Option<string?>("--resource-type") { Description = "Type of the resource the event is about", HelpName = "TYPE" };
        var resourceId = new Option<string?>("--resource-id") { Description = "Id of the resource the event is about", HelpName = "ID" };
        var idempotencyKey = new Option<string?>("--idempotency-key") { Description = "Idempotency-Key header: publishing again with the same key creates nothing", HelpName = "KEY" };
        return AdminVerb.Create("publish", "herald event publish", $$"""
            Publish an event; Herald creates a delivery for every matching endpoint. {{ExitCodesHelp}}

            Examples:
              herald event publish --type inspection.started --data '{"audit_id": "audit_1", "score": 0}'
              herald event publish --type observation.created --data-file obs.json \
                --resource-type observation --resource-id obs_1 --idempotency-key obs_1-created
            """, async (run, ct) =>
        {
            var body = new JsonObject { ["type"] = run.Value(type) };
            var dataText = run.Value(data);
            var file = run.Value(dataFile);
            if (dataText is not null && file is not null)
            {
                throw CliException.Usage("Give --data or --data-file, not both.");
            }
            if (dataText is not null)
            {
                body["data"] = AdminRun.ParseJson(dataText, "--data");
            }
            else if (file is not null)
            {
                body["data"] = AdminRun.ReadJsonFile(file);
            }
            var rType = run.Value(resourceType);
            var rId = run.Value(resourceId);
            if ((rType is null) != (rId is null))
            {
                throw CliException.Usage("Give both --resource-type and --resource-id, or neither.");
            }
            if (rType is not null)
            {
                body["resource"] = new JsonObject { ["type"] = rType, ["id"] = rId };
            }
            var key = run.Value(idempotencyKey);
            var json = run.Json;
            using var client = run.Connect();
            JsonNode? published;
            if (key is null)
            {
                published = await client.RequestAsync(HttpMethod.Post, "v1/events", body, ct);
            }
            else
            {
                var (response, _) = await run.SendRawAsync(client, HttpMethod.Post, "v1/events", body, new Dictionary<string, string> { ["Idempotency-Key"] = key }, ct);
                published = response.IsSuccess ? response.Body : throw new CliException(ExitCodes.ServerError, response.Message());
            }
            await (json
                ? run.WriteJsonAsync(published)
                : run.Out.WriteLineAsync($"Published event {TablePrinter.Str(published, "id")} ({TablePrinter.Str(published, "type")}): {TablePrinter.Str(published, "deliveries")} deliveries."));
            return ExitCodes.Ok;
        }, type, data, dataFile, resourceType, resourceId, idempotencyKey);
    }

    private static Command CreateList()
    {
        var type = new Option<string?>("--type") { Description = "Only events of this type", HelpName = "TYPE" };
        var resourceType = new Option<string?>("--resource-type") { Description = "Only events about resources of this type", HelpName = "TYPE" };
        var resourceId = new Option<string?>("--resource-id") { Description = "Only events about this resource", HelpName = "ID" };
        var since = new Option<string?>("--since") { Description = "Created at or after: RFC 3339 time, or a duration ago like 2h", HelpName = "TIME" };
        var until = new Option<string?>("--until") { Description = "Created before: RFC 3339 time, or a duration ago", HelpName = "TIME" };
        var limit = new Option<int?>("--limit") { Description = "Events per page (1-250, default 50)", HelpName = "N" };
        var all = new Option<bool>("--all") { Description = "Follow the pages to the end (progress on standard error)" };
        return AdminVerb.Create("list", "herald event list", $"""
            List events, newest first: one page, or every page with --all. {ExitCodesHelp}

            Examples:
              herald event list --type inspection.started --since 24h
              herald event list --resource-type inspection --resource-id audit_1 --all --json
            """, async (run, ct) =>
        {
            var query = new List<string>();
            AdminRun.AddQuery(query, "type", run.Value(type));
            AdminRun.AddQuery(query, "resource_type", run.Value(resourceType));
            AdminRun.AddQuery(query, "resource_id", run.Value(resourceId));
            AdminRun.AddQuery(query, "since", run.Time(since));
            AdminRun.AddQuery(query, "until", run.Time(until));
            return await run.PrintListAsync("v1/events", query, run.Value(limit), run.Value(all), "events", Table,
                "(more events: use --all, or narrow with --since/--until)", ct);
        }, type, resourceType, resourceId, since, until, limit, all);
    }

    private static Command CreateShow()
    {
        var id = new Argument<string>("ID") { Description = "The event's id" };
        return AdminVerb.Create("show", "herald event show", $"""
            Show one event, its data and its deliveries. With --json, the event with a "deliveries"
            array added. {ExitCodesHelp}

            Example:
              herald event show evt_…
            """, async (run, ct) =>
        {
            var eventId = run.Value(id)!;
            var json = run.Json;
            using var client = run.Connect();
            var path = "v1/events/" + AdminRun.Escape(eventId);
            var evt = await client.RequestAsync(HttpMethod.Get, path, null, ct) as JsonObject
                ?? throw new CliException(ExitCodes.ServerError, $"GET /{path} did not answer a JSON object.");
            var deliveries = (await run.ListAsync(client, path + "/deliveries", ["limit=250"], all: true, "deliveries", ct))["data"]!.AsArray();
            if (json)
            {
                evt["deliveries"] = deliveries.DeepClone();
                await run.WriteJsonAsync(evt);
                return ExitCodes.Ok;
            }
            await run.Out.WriteAsync(TablePrinter.Fields(evt.Where(p => p.Key != "data").Select(p => (p.Key, (string?)TablePrinter.Show(p.Value)))));
            await run.Out.WriteLineAsync("data:\n" + AdminRun.PrettyJson(evt["data"]));
            await run.Out.WriteLineAsync($"\nDeliveries ({deliveries.Count}):");
            await run.Out.WriteAsync(DeliveryCommand.Table(deliveries));
            return ExitCodes.Ok;
        }, id);
    }

    internal static string Table(JsonArray events) =>
        TablePrinter.Table(["ID", "TYPE", "RESOURCE", "CREATED"], events.Select(e => (IReadOnlyList<string?>)
        [
            TablePrinter.Str(e, "id"), TablePrinter.Str(e, "type"),
            e?["resource"] is JsonObject r ? $"{TablePrinter.Str(r, "type")}/{TablePrinter.Str(r, "id")}" : "-",
            TablePrinter.Str(e, "created_at"),
        ]));
}

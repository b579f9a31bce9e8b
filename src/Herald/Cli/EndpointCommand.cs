using Herald.Bench;
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Herald.Cli;

/// <summary><c>herald endpoint add|list|show|update|rm|test|recover</c>: endpoints over the API.</summary>
public static class EndpointCommand
{
    private const string ExitCodesHelp = "Exit codes: 0 ok, 1 the server refused or failed the request, 2 bad usage, 3 the server cannot be reached.";

    public static Command Create() => new("endpoint", "Manage the endpoints webhooks are delivered to.")
    {
        CreateAdd(),
        CreateList(),
        CreateShow(),
        CreateUpdate(),
        CreateRemove(),
        CreateTest(),
        CreateRecover(),
    };

    /// <summary>The flags that describe an endpoint, shared by add and update.</summary>
    private sealed class BodyFlags
    {
        public Option<string?> Name { get; } = new("--name") { Description = "Name of the endpoint", HelpName = "NAME" };
        public Option<string?> Url { get; } = new("--url") { Description = "Absolute http(s) URL webhooks are sent to", HelpName = "URL" };
        public Option<string[]> EventTypes { get; } = new("--event-type") { Description = "Event type to deliver (exact, or a prefix ending in *); repeat for more. None = every type", HelpName = "TYPE" };
        public Option<string?> Method { get; } = new("--method") { Description = "HTTP method: POST (default) or PUT", HelpName = "METHOD" };
        public Option<string?> Format { get; } = new("--format") { Description = "Body format: envelope (default), raw, ushahidi or template", HelpName = "FORMAT" };
        public Option<string[]> Headers { get; } = new("--header") { Description = "Extra request header \"Name: value\"; repeat for more", HelpName = "HEADER" };
        public Option<string[]> SensitiveHeaders { get; } = new("--sensitive-header") { Description = "Extra header whose value is write-only (shown as ********)", HelpName = "HEADER" };
        public Option<string?> Retry { get; } = new("--retry") { Description = "Retry delays after each failed attempt, comma-separated: 5s,5m,30m", HelpName = "DELAYS" };
        public Option<string?> BodyFile { get; } = new("--body-file") { Description = "JSON file with an endpoint body, as POST /v1/endpoints takes it; the other flags override its fields", HelpName = "FILE" };

        public Symbol[] All => [Name, Url, EventTypes, Method, Format, Headers, SensitiveHeaders, Retry, BodyFile];

        /// <summary>The body the file gives (if any) with the flags merged over it.</summary>
        public JsonObject Build(AdminRun run)
        {
            var body = new JsonObject();
            if (run.Value(BodyFile) is { } file)
            {
                body = AdminRun.ReadJsonFile(file) as JsonObject ?? throw CliException.Usage($"{file} must hold a JSON object (an endpoint body).");
            }
            if (run.Value(Name) is { } name)
            {
                body["name"] = name;
            }
            if (run.Value(Url) is { } url)
            {
                body["url"] = url;
            }
            if (run.Value(EventTypes) is { Length: > 0 } types)
            {
                body["event_types"] = new JsonArray(types.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray());
            }
            if (run.Value(Method) is { } method)
            {
                body["method"] = method.ToUpperInvariant();
            }
            if (run.Value(Format) is { } format)
            {
                body["format"] = format;
            }
            var plain = run.Value(Headers) ?? [];
            var sensitive = run.Value(SensitiveHeaders) ?? [];
            if (plain.Length + sensitive.Length > 0)
            {
                var headers = body["headers"] as JsonArray ?? [];
                body["headers"] = headers;
                foreach (var (text, secret) in plain.Select(h => (h, false)).Concat(sensitive.Select(h => (h, true))))
                {
                    var colon = text.IndexOf(':', StringComparison.Ordinal);
                    if (colon <= 0)
                    {
                        throw CliException.Usage($"Header \"{text}\" is not \"Name: value\".");
                    }
                    headers.Add(new JsonObject { ["name"] = text[..colon].Trim(), ["value"] = text[(colon + 1)..].Trim(), ["sensitive"] = secret });
                }
            }
            if (run.Value(Retry) is { } retry)
            {
                var delays = retry.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                var retryObject = body["retry"] as JsonObject ?? [];
                retryObject["schedule"] = new JsonArray(delays.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray());
                body["retry"] = retryObject;
            }
            return body;
        }
    }

    private static Command CreateAdd()
    {
        var flags = new BodyFlags();
        return AdminVerb.Create("add", "herald endpoint add", $"""
            Create an endpoint. Give --name and --url, or a --body-file with the whole endpoint body (the
            flags override its fields). The signing secret is printed once: store it now. {ExitCodesHelp}

            Examples:
              herald endpoint add --name backend --url https://example.org/hooks --event-type 'inspection.*'
              herald endpoint add --name systrack --url https://example.org/in --method PUT --retry 5s,1m,10m \
                --header "X-Env: prod" --sensitive-header "X-Api-Token: s3cr3t"
              herald endpoint add --body-file endpoint.json --json
            """, async (run, ct) =>
        {
            var body = flags.Build(run);
            if (body["name"] is null || body["url"] is null)
            {
                throw CliException.Usage("An endpoint needs a name and a URL: pass --name and --url, or a --body-file that has them.");
            }
            using var client = run.Connect();
            var created = await client.RequestAsync(HttpMethod.Post, "v1/endpoints", body, ct);
            var secret = created?["signature"]?["secret"] is JsonValue s && s.TryGetValue<string>(out var text) ? text : null;
            if (run.Json)
            {
                await run.WriteJsonAsync(created);
            }
            else
            {
                await run.Out.WriteAsync(Describe(created));
                if (secret is not null)
                {
                    await run.Out.WriteLineAsync($"\nSigning secret: {secret}");
                }
            }
            if (secret is not null)
            {
                await run.Error.WriteLineAsync("herald: store the signing secret now; Herald will not show it again (only `rotate` issues a new one).");
            }
            return ExitCodes.Ok;
        }, flags.All);
    }

    private static Command CreateList()
    {
        return AdminVerb.Create("list", "herald endpoint list", $"""
            List your organization's endpoints (all pages). {ExitCodesHelp}

            Examples:
              herald endpoint list
              herald endpoint list --json | jq -r '.data[].id'
            """, async (run, ct) =>
        {
            var json = run.Json;
            using var client = run.Connect();
            var list = await run.ListAsync(client, "v1/endpoints", ["limit=250"], all: true, "endpoints", ct);
            if (json)
            {
                await run.WriteJsonAsync(list);
                return ExitCodes.Ok;
            }
            var rows = list["data"]!.AsArray().Select(e => (IReadOnlyList<string?>)
            [
                TablePrinter.Str(e, "id"), TablePrinter.Str(e, "name"), TablePrinter.Str(e, "url"),
                e?["event_types"] is JsonArray { Count: > 0 } ? TablePrinter.Str(e, "event_types") : "(all)",
                e?["enabled"]?.GetValue<bool>() == false ? "no" : "yes", TablePrinter.Str(e, "circuit"),
            ]).ToList();
            await run.Out.WriteAsync(TablePrinter.Table(["ID", "NAME", "URL", "EVENT TYPES", "ENABLED", "CIRCUIT"], rows));
            if (rows.Count == 0)
            {
                await run.Out.WriteLineAsync("(no endpoints; create one with herald endpoint add)");
            }
            return ExitCodes.Ok;
        });
    }

    private static Argument<string> IdArgument() => new("ID") { Description = "The endpoint's id" };

    private static Command CreateShow()
    {
        var id = IdArgument();
        return AdminVerb.Create("show", "herald endpoint show", $"""
            Show one endpoint. {ExitCodesHelp}

            Example:
              herald endpoint show ep_… --json
            """, async (run, ct) =>
        {
            var endpointId = run.Value(id)!;
            var json = run.Json;
            using var client = run.Connect();
            var endpoint = await client.RequestAsync(HttpMethod.Get, "v1/endpoints/" + AdminRun.Escape(endpointId), null, ct);
            await (json ? run.WriteJsonAsync(endpoint) : run.Out.WriteAsync(Describe(endpoint)));
            return ExitCodes.Ok;
        }, id);
    }

    private static Command CreateUpdate()
    {
        var id = IdArgument();
        var flags = new BodyFlags();
        var enabled = new Option<bool?>("--enabled") { Description = "Enable (true) or disable (false) the endpoint", HelpName = "BOOL" };
        return AdminVerb.Create("update", "herald endpoint update", $"""
            Change an endpoint with a JSON Merge Patch (RFC 7396): the fields of --body-file, with the
            flags merged over them. Fields not mentioned keep their values; --header replaces the whole
            header list. The secret does not change. {ExitCodesHelp}

            Examples:
              herald endpoint update ep_… --url https://example.org/new-hook
              herald endpoint update ep_… --body-file patch.json
              herald endpoint update ep_… --enabled false
            """, async (run, ct) =>
        {
            var endpointId = run.Value(id)!;
            var patch = flags.Build(run);
            if (run.Value(enabled) is { } on)
            {
                patch["enabled"] = on;
            }
            if (patch.Count == 0)
            {
                throw CliException.Usage("Nothing to change: pass --body-file or flags such as --url (see herald endpoint update --help).");
            }
            var json = run.Json;
            using var client = run.Connect();
            var updated = await client.RequestAsync(HttpMethod.Patch, "v1/endpoints/" + AdminRun.Escape(endpointId), patch, ct);
            await (json ? run.WriteJsonAsync(updated) : run.Out.WriteAsync(Describe(updated)));
            return ExitCodes.Ok;
        }, [id, enabled, .. flags.All]);
    }

    private static Command CreateRemove()
    {
        var id = IdArgument();
        return AdminVerb.Create("rm", "herald endpoint rm", $"""
            Delete an endpoint; its pending deliveries are cancelled. {ExitCodesHelp}

            Example:
              herald endpoint rm ep_…
            """, async (run, ct) =>
        {
            var endpointId = run.Value(id)!;
            var json = run.Json;
            using var client = run.Connect();
            await client.RequestAsync(HttpMethod.Delete, "v1/endpoints/" + AdminRun.Escape(endpointId), null, ct);
            await (json
                ? run.WriteJsonAsync(new JsonObject { ["id"] = endpointId, ["deleted"] = true })
                : run.Out.WriteLineAsync($"Deleted endpoint {endpointId}."));
            return ExitCodes.Ok;
        }, id);
    }

    private static Command CreateTest()
    {
        var id = IdArgument();
        return AdminVerb.Create("test", "herald endpoint test", $"""
            Send a herald.ping event to the endpoint now and show the attempt: response status,
            duration and error. Exits 1 when the endpoint did not answer with a 2xx status, so scripts
            can check an endpoint with `herald endpoint test ID`. {ExitCodesHelp}

            Example:
              herald endpoint test ep_…
            """, async (run, ct) =>
        {
            var endpointId = run.Value(id)!;
            var json = run.Json;
            using var client = run.Connect();
            var attempt = await client.RequestAsync(HttpMethod.Post, "v1/endpoints/" + AdminRun.Escape(endpointId) + "/test", null, ct);
            var status = attempt?["response"]?["status"]?.GetValue<int>();
            if (json)
            {
                await run.WriteJsonAsync(attempt);
            }
            else
            {
                await run.Out.WriteAsync(TablePrinter.Fields(
                [
                    ("Attempt", TablePrinter.Str(attempt, "id")),
                    ("Request", $"{TablePrinter.Str(attempt?["request"], "method")} {TablePrinter.Str(attempt?["request"], "url")}"),
                    ("Status", status?.ToString(CultureInfo.InvariantCulture) ?? "no response"),
                    ("Duration", TablePrinter.Str(attempt, "duration_ms") + " ms"),
                    ("Error", TablePrinter.Str(attempt, "error")),
                ]));
            }
            if (status is >= 200 and < 300)
            {
                return ExitCodes.Ok;
            }
            await run.Error.WriteLineAsync("herald: the test attempt failed: " +
                (status is null ? TablePrinter.Str(attempt, "error") : $"the endpoint answered {status}"));
            return ExitCodes.ServerError;
        }, id);
    }

    private static Command CreateRecover()
    {
        var id = IdArgument();
        var since = new Option<string?>("--since") { Description = "Start of the window (inclusive): RFC 3339 time, or a duration ago like 6h", HelpName = "TIME", Required = true };
        var until = new Option<string?>("--until") { Description = "End of the window (exclusive); default now", HelpName = "TIME" };
        return AdminVerb.Create("recover", "herald endpoint recover", $"""
            Re-queue, with a fresh retry schedule, every failed delivery of the endpoint whose event was
            created in the window. {ExitCodesHelp}

            Examples:
              herald endpoint recover ep_… --since 2026-11-22T00:00:00Z --until 2026-11-23T00:00:00Z
              herald endpoint recover ep_… --since 6h
            """, async (run, ct) =>
        {
            var endpointId = run.Value(id)!;
            var body = new JsonObject { ["since"] = run.Time(since) };
            if (run.Time(until) is { } end)
            {
                body["until"] = end;
            }
            var json = run.Json;
            using var client = run.Connect();
            // One request, which can take a while over a long window: a spinner on a terminal, a line
            // every few seconds in a log, nothing with --json.
            var progress = new Progress(run.Error, Progress.ModeFor(run.Error, json), $"re-queuing failed deliveries of {endpointId}", lineEvery: TimeSpan.FromSeconds(5));
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var tracking = progress.TrackAsync(() => (-1, 0, $"{System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:0} s"), stop.Token);
            JsonNode? result;
            try
            {
                result = await client.RequestAsync(HttpMethod.Post, "v1/endpoints/" + AdminRun.Escape(endpointId) + "/recover", body, ct);
            }
            finally
            {
                await stop.CancelAsync();
                await tracking;
                progress.Clear();
            }
            await (json
                ? run.WriteJsonAsync(result)
                : run.Out.WriteLineAsync($"Re-queued {TablePrinter.Str(result, "requeued")} failed deliveries of endpoint {endpointId}."));
            return ExitCodes.Ok;
        }, id, since, until);
    }

    /// <summary>An endpoint as a block of fields; nested values as compact JSON.</summary>
    internal static string Describe(JsonNode? endpoint)
    {
        var fields = new List<(string, string?)>();
        if (endpoint is JsonObject obj)
        {
            foreach (var (name, value) in obj)
            {
                if (name == "signature" && value is JsonObject sig)
                {
                    var copy = (JsonObject)sig.DeepClone();
                    copy.Remove("secret");
                    fields.Add((name, TablePrinter.Show(copy)));
                    continue;
                }
                fields.Add((name, TablePrinter.Show(value)));
            }
        }
        return TablePrinter.Fields(fields);
    }
}

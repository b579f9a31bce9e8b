using Herald.Bench;
using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core;
using Herald.Core.Validation;
using Herald.Core.Schemas;

namespace Herald.Cli;

/// <summary><c>herald catalog import FILE</c>: loads a catalogue file of event types into a running server (docs/catalogs.md).</summary>
public static class CatalogCommand
{
    public static Command Create() => new("catalog", "Manage your organization's catalogue of event types.")
    {
        CreateImport(),
    };

    private static Command CreateImport()
    {
        var file = new Argument<string>("FILE") { Description = "A catalogue file (JSON); the repository ships some under catalogs/" };
        var admin = new AdminOptions();
        var command = new Command("import", """
            Create or update every event type of a catalogue file in your organization: each type is
            created, or replaced (description and schema) when it already exists. Types not in the file
            are left alone. The whole file is checked first, schemas included; if anything is wrong,
            every problem is listed and nothing is sent. Progress goes to standard error, the summary
            to standard output. Exit codes: 0 all imported, 1 the server refused or failed a request,
            2 bad usage or an invalid file, 3 the server cannot be reached. Needs an admin key.

            Example:
              herald catalog import catalogs/safetyculture.json --server http://127.0.0.1:8080 --key hk_…
            """)
        {
            file,
        };
        admin.AddTo(command);
        command.Action = new ImportAction(file, admin);
        return command;
    }

    private sealed class ImportAction(Argument<string> file, AdminOptions admin) : AsynchronousCommandLineAction
    {
        // System.CommandLine reports its own parse errors with exit code 1, which the admin subcommands give to
        // server errors; clearing them lets this action report them as usage errors (exit 2).
        public override bool ClearsParseErrors => true;

        public override async Task<int> InvokeAsync(ParseResult parse, CancellationToken cancellationToken)
        {
            var context = CliContext.For(parse);
            try
            {
                string path;
                bool json;
                // With the parse errors cleared, a missing or repeated value surfaces here.
                try
                {
                    path = parse.GetValue(file)!;
                }
                catch (InvalidOperationException)
                {
                    throw CliException.Usage("Which catalogue? Give a FILE, like: herald catalog import catalogs/safetyculture.json (see --help).");
                }
                try
                {
                    json = parse.GetValue(admin.Json);
                    parse.GetValue(admin.Server);
                    parse.GetValue(admin.Key);
                }
                catch (InvalidOperationException e)
                {
                    throw CliException.Usage($"{e.Message} See herald catalog import --help.");
                }
                if (parse.UnmatchedTokens.Count > 0)
                {
                    throw CliException.Usage($"Unexpected argument {string.Join(", ", parse.UnmatchedTokens.Select(t => $"'{t}'"))}: give one FILE and the options of herald catalog import --help.");
                }

                var catalog = CatalogFile.Load(path);
                using var client = admin.Connect(parse, context);
                var progress = new Progress(context.Error, Progress.ModeFor(context.Error, json), "importing " + catalog.Name, "event types");
                var results = await ImportAsync(client, catalog, progress, cancellationToken);
                if (json)
                {
                    await context.Out.WriteLineAsync(JsonSummary(catalog, results));
                }
                else
                {
                    await context.Out.WriteAsync(Table(catalog, results, client.Server));
                }
                return results.Any(r => r.Result == ImportResult.Failed) ? ExitCodes.ServerError : ExitCodes.Ok;
            }
            catch (CliException e)
            {
                await context.Error.WriteLineAsync("herald: " + e.Message);
                return e.ExitCode;
            }
        }
    }

    private enum ImportResult
    {
        Created,
        Updated,
        Failed,
    }

    private sealed record TypeResult(string Name, ImportResult Result, string? Error)
    {
        public string Word => Result.ToString().ToLowerInvariant();

        public string Said => Error is null ? Word : $"{Word}: {Error}";
    }

    /// <summary>
    /// Upserts each type: POST, and PUT when the name is taken (409). Progress is a line per type
    /// when standard error is not a terminal, a bar when it is, nothing with <c>--json</c>; a failure
    /// is always said on standard error, as it happens.
    /// </summary>
    private static async Task<List<TypeResult>> ImportAsync(ApiClient client, CatalogFile catalog, Progress progress, CancellationToken cancellationToken)
    {
        var results = new List<TypeResult>(catalog.EventTypes.Count);
        var total = catalog.EventTypes.Count;
        foreach (var type in catalog.EventTypes)
        {
            var result = await UpsertAsync(client, type, cancellationToken);
            results.Add(result);
            var line = $"[{results.Count}/{total}] {type.Name} … {result.Said}";
            switch (progress.Mode)
            {
                case ProgressMode.Lines:
                    progress.Say(line);
                    break;
                case ProgressMode.Bar:
                    if (result.Result == ImportResult.Failed)
                    {
                        progress.Say(line);
                    }
                    progress.Update(results.Count, total, type.Name, force: true);
                    break;
                default:
                    if (result.Result == ImportResult.Failed)
                    {
                        progress.Say(line);
                    }
                    break;
            }
        }
        if (progress.Mode == ProgressMode.Bar)
        {
            progress.Complete(results.Count, total, $"{Count(results, ImportResult.Created)} created, {Count(results, ImportResult.Updated)} updated, {Count(results, ImportResult.Failed)} failed");
        }
        return results;
    }

    private static async Task<TypeResult> UpsertAsync(ApiClient client, CatalogEntry type, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["name"] = type.Name, ["description"] = type.Description };
        if (type.Schema is not null)
        {
            body["schema"] = type.Schema.DeepClone();
        }
        var created = await client.SendAsync(HttpMethod.Post, "v1/event-types", body, cancellationToken);
        if (created.IsSuccess)
        {
            return new TypeResult(type.Name, ImportResult.Created, null);
        }
        if (created.Status != HttpStatusCode.Conflict)
        {
            return Failure(type.Name, created);
        }

        // PUT replaces: a type whose schema the file leaves out loses the one it had, so the
        // catalogue stays what the file says.
        body.Remove("name");
        var replaced = await client.SendAsync(HttpMethod.Put, "v1/event-types/" + Uri.EscapeDataString(type.Name), body, cancellationToken);
        return replaced.IsSuccess ? new TypeResult(type.Name, ImportResult.Updated, null) : Failure(type.Name, replaced);
    }

    private static TypeResult Failure(string name, ApiResponse response)
    {
        // A bad or underprivileged key fails every request alike: stop at the first.
        if (response.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new CliException(ExitCodes.ServerError, response.Message());
        }
        return new TypeResult(name, ImportResult.Failed, response.Message());
    }

    private static string Table(CatalogFile catalog, List<TypeResult> results, Uri server)
    {
        var width = Math.Max("EVENT TYPE".Length, results.Max(r => r.Name.Length));
        var text = new System.Text.StringBuilder();
        text.Append("EVENT TYPE".PadRight(width)).Append("  RESULT\n");
        foreach (var r in results)
        {
            text.Append(r.Name.PadRight(width)).Append("  ").Append(r.Said).Append('\n');
        }
        text.Append(CultureInfo.InvariantCulture,
            $"\nImported catalogue {catalog.Name} into {server}: {Count(results, ImportResult.Created)} created, {Count(results, ImportResult.Updated)} updated, {Count(results, ImportResult.Failed)} failed.\n");
        return text.ToString();
    }

    private static string JsonSummary(CatalogFile catalog, List<TypeResult> results)
    {
        var types = new JsonArray();
        foreach (var r in results)
        {
            var item = new JsonObject { ["name"] = r.Name, ["result"] = r.Word };
            if (r.Error is not null)
            {
                item["error"] = r.Error;
            }
            types.Add(item);
        }
        var summary = new JsonObject
        {
            ["catalog"] = catalog.Name,
            ["created"] = Count(results, ImportResult.Created),
            ["updated"] = Count(results, ImportResult.Updated),
            ["failed"] = Count(results, ImportResult.Failed),
            ["event_types"] = types,
        };
        return summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static int Count(List<TypeResult> results, ImportResult result) => results.Count(r => r.Result == result);
}

/// <summary>One event type of a catalogue file.</summary>
internal sealed record CatalogEntry(string Name, string Description, JsonNode? Schema);

/// <summary>
/// A catalogue file: <c>{"catalog", "description", "event_types": [{"name", "description", "schema"}]}</c>
/// (docs/catalogs.md). Checked with the server's own rules, so an import is refused before anything is sent.
/// </summary>
internal sealed record CatalogFile(string Name, string Description, IReadOnlyList<CatalogEntry> EventTypes)
{
    // The server's limits (EventTypesApi); a file over them would fail half-way through an import.
    private const int MaxDescription = 2000;
    private const long MaxFileBytes = 16 * 1024 * 1024;

    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 4 * EventSchema.MaxDepth };

    /// <exception cref="CliException">A usage error listing every problem of the file.</exception>
    public static CatalogFile Load(string path)
    {
        string text;
        try
        {
            if (new FileInfo(path).Length > MaxFileBytes)
            {
                throw CliException.Usage($"{path} is larger than {MaxFileBytes / (1024 * 1024)} MiB; is it a catalogue file?");
            }
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw CliException.Usage($"Cannot read {path}: {e.Message}");
        }
        var (catalog, problems) = Parse(text);
        if (catalog is null)
        {
            var noun = problems.Count == 1 ? "problem" : "problems";
            throw CliException.Usage($"{path} is not a valid catalogue file ({problems.Count} {noun}); nothing was sent:\n  " + string.Join("\n  ", problems));
        }
        return catalog;
    }

    /// <summary>The catalogue, or null and every problem, each naming its event type: <c>inspection.started (event_types[0]): schema.required: must be an array of strings</c>.</summary>
    public static (CatalogFile? Catalog, List<string> Problems) Parse(string json)
    {
        if (JsonUtf16.FindUnpaired(System.Text.Encoding.UTF8.GetBytes(json)) is { } unpaired)
        {
            return (null, [$"{unpaired.Path}: {unpaired.Reason}"]);
        }
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: Strict);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, column {e.BytePositionInLine + 1}" : "";
            return (null, [$"is not valid JSON{where}: {FirstSentence(e.Message)}"]);
        }
        if (root is not JsonObject obj)
        {
            return (null, ["must be a JSON object: {\"catalog\": …, \"description\": …, \"event_types\": […]}"]);
        }

        var problems = new List<string>();
        var errors = new ValidationErrors();
        var reader = new ObjectReader(obj, "", errors, ["catalog", "description", "event_types"]);
        var name = reader.String("catalog", required: true, maxLength: 256, allowEmpty: false);
        var description = reader.String("description", maxLength: MaxDescription) ?? "";
        var array = reader.Array("event_types", int.MaxValue);
        if (array is null && !reader.Has("event_types"))
        {
            errors.Add("event_types", "is required");
        }
        else if (array is { Count: 0 })
        {
            errors.Add("event_types", "must list at least one event type");
        }
        problems.AddRange(Describe(errors, ""));

        var entries = new List<CatalogEntry>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; array is not null && i < array.Count; i++)
        {
            var at = $"event_types[{i}]";
            if (array[i] is not JsonObject item)
            {
                problems.Add($"{at}: must be an object with name, description and schema");
                continue;
            }
            var itemErrors = new ValidationErrors();
            var r = new ObjectReader(item, "", itemErrors, ["name", "description", "schema"]);
            var typeName = r.String("name", required: true, maxLength: EventTypeMatcher.MaxLength, allowEmpty: false);
            var label = item["name"] is JsonValue v && v.TryGetValue<string>(out var given) && given.Length > 0 ? $"{given} ({at})" : at;
            if (typeName is not null)
            {
                if (!EventTypeMatcher.IsValidEventTypeName(typeName, out var nameError))
                {
                    itemErrors.Add("name", nameError ?? "is not a valid event type name");
                }
                else if (EventTypeMatcher.IsReserved(typeName))
                {
                    itemErrors.Add("name", $"names starting with {EventTypeMatcher.ReservedPrefix} (in any case) are reserved for Herald's own events");
                }
                else if (seen.TryGetValue(typeName, out var first))
                {
                    itemErrors.Add("name", $"is listed twice (first at event_types[{first}])");
                }
                else
                {
                    seen[typeName] = i;
                }
            }
            var typeDescription = r.String("description", maxLength: MaxDescription) ?? "";
            var schema = r.Node("schema");
            var schemaProblems = new List<string>();
            if (schema is not null && !EventSchema.TryCompile(schema.ToJsonString(), out _, out var compileErrors))
            {
                // EventSchema words its problems "schema.path: message", as the API does.
                schemaProblems.AddRange(compileErrors);
            }
            var entryProblems = Describe(itemErrors, label).Concat(schemaProblems.Select(p => $"{label}: {p}")).ToList();
            problems.AddRange(entryProblems);
            if (entryProblems.Count == 0 && typeName is not null)
            {
                entries.Add(new CatalogEntry(typeName, typeDescription, schema));
            }
        }
        return problems.Count > 0 ? (null, problems) : (new CatalogFile(name!, description, entries), problems);
    }

    private static IEnumerable<string> Describe(ValidationErrors errors, string label) =>
        errors.Items.SelectMany(e => e.Value.Select(message => label.Length == 0 ? $"{e.Key}: {message}" : $"{label}: {e.Key}: {message}"));

    private static string FirstSentence(string message)
    {
        // JsonException messages end with the position again: "… Path: $ | LineNumber: 0 | BytePositionInLine: 7."
        foreach (var marker in (string[])[" Path:", " LineNumber:"])
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }
        return message;
    }
}

using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Help;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Cli;

/// <summary>
/// One run of an admin verb (<c>herald endpoint list</c>, …): the parse result, where to write,
/// and helpers that turn bad input into usage errors (exit 2).
/// </summary>
internal sealed class AdminRun(ParseResult parse, CliContext context, AdminOptions? admin, string commandPath)
{
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public ParseResult Parse { get; } = parse;

    public CliContext Context { get; } = context;

    public TextWriter Out => Context.Out;

    public TextWriter Error => Context.Error;

    public bool Json => admin is not null && Value(admin.Json);

    /// <summary>An option's or argument's value; a malformed value is a usage error.</summary>
    public T? Value<T>(Option<T> option)
    {
        try
        {
            return Parse.GetValue(option);
        }
        catch (InvalidOperationException e)
        {
            throw CliException.Usage($"{e.Message} See {commandPath} --help.");
        }
    }

    public T? Value<T>(Argument<T> argument)
    {
        try
        {
            return Parse.GetValue(argument);
        }
        catch (InvalidOperationException e)
        {
            throw CliException.Usage($"{e.Message} See {commandPath} --help.");
        }
    }

    public ApiClient Connect() => admin!.Connect(Parse, Context);

    /// <summary>The key <see cref="Connect"/> used (call after it succeeded).</summary>
    public string Key() => Value(admin!.Key) is { Length: > 0 } key ? key : Context.Env("HERALD_KEY")!;

    /// <summary>Sends a request that needs more than <see cref="ApiClient.SendAsync"/>: extra headers or a binary answer.</summary>
    public async Task<(ApiResponse Response, byte[] Bytes)> SendRawAsync(ApiClient client, HttpMethod method, string path, JsonNode? body,
        IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = client.Server, Timeout = client.Timeout };
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key());
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("herald-cli", typeof(ApiClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                throw CliException.Usage($"{value} is not a valid {name} header value.");
            }
        }
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        var described = $"{method} {new Uri(client.Server, path)}";
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var text = Encoding.UTF8.GetString(bytes);
            JsonNode? node = null;
            if (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
            {
                try
                {
                    node = JsonNode.Parse(text);
                }
                catch (JsonException)
                {
                }
            }
            return (new ApiResponse(response.StatusCode, response.ReasonPhrase, node, text, described), bytes);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unreachable,
                $"Cannot reach Herald at {client.Server}: {e.Message.TrimEnd('.')}. Is `herald serve` running there? Point --server or HERALD_SERVER at it.");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"Herald at {client.Server} did not answer {method} /{path} within {Core.Durations.Format(client.Timeout)}.");
        }
    }

    public Task WriteJsonAsync(JsonNode? node) => Out.WriteLineAsync(node is null ? "null" : node.ToJsonString(Pretty));

    public static string PrettyJson(JsonNode? node) => node is null ? "null" : node.ToJsonString(Pretty);

    /// <summary>A time option's value as RFC 3339 UTC; a usage error when it is not a time.</summary>
    public string? Time(Option<string?> option)
    {
        var text = Value(option);
        if (text is null)
        {
            return null;
        }
        if (Core.Durations.TryParse(text, out var ago))
        {
            return (DateTimeOffset.UtcNow - ago).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            throw CliException.Usage($"{option.Name} {text} is not a time: give RFC 3339 like 2026-11-22T23:15:00Z, or a duration ago like 2h.");
        }
        return time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>Reads a JSON file; a usage error when it cannot be read or parsed.</summary>
    public static JsonNode ReadJsonFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw CliException.Usage($"Cannot read {path}: {e.Message}");
        }
        return ParseJson(text, path);
    }

    public static JsonNode ParseJson(string text, string what)
    {
        try
        {
            // Herald refuses strings that are no Unicode text; saying so here names the place in the file.
            if (Core.Validation.JsonUtf16.FindUnpaired(Encoding.UTF8.GetBytes(text)) is { } unpaired)
            {
                throw CliException.Usage($"{what} is not valid: {unpaired.Path} {unpaired.Reason}.");
            }
            return JsonNode.Parse(text) ?? throw CliException.Usage($"{what} is JSON null; give an object or value.");
        }
        catch (JsonException e)
        {
            throw CliException.Usage($"{what} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Follows <c>next_cursor</c> when <paramref name="all"/>; the pages' items in one list response.</summary>
    /// <summary>
    /// A list verb end to end: checks <c>--limit</c>, fetches one page or all of them, and prints
    /// JSON or the table, with a hint when more pages remain.
    /// </summary>
    public async Task<int> PrintListAsync(string path, List<string> query, int? limit, bool all, string noun, Func<JsonArray, string> table, string moreHint, CancellationToken cancellationToken)
    {
        if (limit is { } n)
        {
            if (n is < 1 or > 250)
            {
                throw CliException.Usage("--limit must be between 1 and 250.");
            }
            query.Add("limit=" + n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        using var client = Connect();
        var list = await ListAsync(client, path, query, all, noun, cancellationToken);
        if (Json)
        {
            await WriteJsonAsync(list);
            return ExitCodes.Ok;
        }
        await Out.WriteAsync(table(list["data"]!.AsArray()));
        if (list["next_cursor"] is not null)
        {
            await Out.WriteLineAsync(moreHint);
        }
        return ExitCodes.Ok;
    }

    public async Task<JsonObject> ListAsync(ApiClient client, string path, List<string> query, bool all, string noun, CancellationToken cancellationToken)
    {
        var items = new JsonArray();
        string? cursor = null;
        var pages = 0;
        while (true)
        {
            var parts = new List<string>(query);
            if (cursor is not null)
            {
                parts.Add("cursor=" + Uri.EscapeDataString(cursor));
            }
            var url = parts.Count == 0 ? path : path + "?" + string.Join('&', parts);
            var page = await client.RequestAsync(HttpMethod.Get, url, null, cancellationToken) as JsonObject
                ?? throw new CliException(ExitCodes.ServerError, $"GET /{url} did not answer a JSON list.");
            foreach (var item in page["data"] as JsonArray ?? [])
            {
                items.Add(item?.DeepClone());
            }
            pages++;
            cursor = page["next_cursor"] is JsonValue v && v.TryGetValue<string>(out var next) ? next : null;
            if (!all)
            {
                return new JsonObject { ["data"] = items, ["next_cursor"] = cursor };
            }
            if (cursor is null)
            {
                if (pages > 1)
                {
                    await Error.WriteLineAsync($"Fetched {items.Count} {noun}, done.");
                }
                return new JsonObject { ["data"] = items, ["next_cursor"] = null };
            }
            await Error.WriteLineAsync($"Fetched {items.Count} {noun}…");
        }
    }

    public static void AddQuery(List<string> query, string name, string? value)
    {
        if (value is not null)
        {
            query.Add(name + "=" + Uri.EscapeDataString(value));
        }
    }

    public static string Escape(string id) => Uri.EscapeDataString(id);
}

/// <summary>Builds admin verbs that share parse-error handling and exit codes.</summary>
internal static class AdminVerb
{
    private static readonly ConditionalWeakTable<Command, string> Details = new();

    /// <summary>Makes <c>--help</c> of the admin verbs end with their exit codes and examples (one line in <see cref="HeraldCli"/>).</summary>
    public static void ExtendHelp(RootCommand root)
    {
        foreach (var option in root.Options)
        {
            if (option is HelpOption { Action: HelpAction original } help)
            {
                help.Action = new DetailedHelp(original);
            }
        }
    }

    private sealed class DetailedHelp(HelpAction original) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parse)
        {
            var code = original.Invoke(parse);
            if (Details.TryGetValue(parse.CommandResult.Command, out var details))
            {
                var output = parse.InvocationConfiguration.Output;
                output.WriteLine(details.ReplaceLineEndings(Environment.NewLine));
                output.WriteLine();
            }
            return code;
        }
    }

    /// <summary>A command whose action runs <paramref name="run"/>, mapping parse errors to exit 2 and <see cref="CliException"/>s to their codes.</summary>
    public static Command Create(string name, string commandPath, string description, Func<AdminRun, CancellationToken, Task<int>> run,
        params Symbol[] symbols) => Build(name, commandPath, description, run, true, symbols);

    /// <summary>Like <see cref="Create"/>, for a verb that works locally (no --server, --key or --json).</summary>
    public static Command CreateLocal(string name, string commandPath, string description, Func<AdminRun, CancellationToken, Task<int>> run,
        params Symbol[] symbols) => Build(name, commandPath, description, run, false, symbols);

    private static Command Build(string name, string commandPath, string description, Func<AdminRun, CancellationToken, Task<int>> run,
        bool server, Symbol[] symbols)
    {
        // The first paragraph, without the exit codes, is the summary the parent command lists;
        // the exit codes and examples follow the options in the verb's own --help.
        var text = description.Replace("\r\n", "\n", StringComparison.Ordinal);
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var summary = split < 0 ? text : text[..split];
        var details = split < 0 ? "" : text[(split + 2)..];
        var exitCodes = summary.IndexOf("Exit codes:", StringComparison.Ordinal);
        if (exitCodes >= 0)
        {
            details = summary[exitCodes..].ReplaceLineEndings(" ").Trim() + (details.Length > 0 ? "\n\n" + details : "");
            summary = summary[..exitCodes].TrimEnd();
        }
        var command = new Command(name, summary);
        if (details.Length > 0)
        {
            Details.AddOrUpdate(command, details.TrimEnd());
        }
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
            }
        }
        AdminOptions? admin = null;
        if (server)
        {
            admin = new AdminOptions();
            admin.AddTo(command);
        }
        command.Action = new RunAction(admin, commandPath, run);
        return command;
    }

    private sealed class RunAction(AdminOptions? admin, string commandPath, Func<AdminRun, CancellationToken, Task<int>> run) : AsynchronousCommandLineAction
    {
        // System.CommandLine reports parse errors with exit code 1, which the admin subcommands give to server errors.
        public override bool ClearsParseErrors => true;

        public override async Task<int> InvokeAsync(ParseResult parse, CancellationToken cancellationToken)
        {
            var context = CliContext.For(parse);
            try
            {
                if (parse.Errors.Count > 0)
                {
                    throw CliException.Usage(string.Join(" ", parse.Errors.Select(e => e.Message)) + $" See {commandPath} --help.");
                }
                if (parse.UnmatchedTokens.Count > 0)
                {
                    throw CliException.Usage($"Unexpected argument {string.Join(", ", parse.UnmatchedTokens.Select(t => $"'{t}'"))}. See {commandPath} --help.");
                }
                return await run(new AdminRun(parse, context, admin, commandPath), cancellationToken);
            }
            catch (CliException e)
            {
                await context.Error.WriteLineAsync("herald: " + e.Message);
                return e.ExitCode;
            }
        }
    }
}

/// <summary>Prints aligned text tables and key/value blocks.</summary>
internal static class TablePrinter
{
    public static string Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows)
    {
        var all = rows.Select(r => r.Select(c => Clean(c)).ToList()).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => i < r.Count ? r[i].Length : 0))).ToList();
        var text = new StringBuilder();
        void Line(IReadOnlyList<string> cells)
        {
            var line = new StringBuilder();
            for (var i = 0; i < headers.Count; i++)
            {
                var cell = i < cells.Count ? cells[i] : "";
                line.Append(i == headers.Count - 1 ? cell : cell.PadRight(widths[i] + 2));
            }
            text.Append(line.ToString().TrimEnd()).Append('\n');
        }
        Line(headers);
        foreach (var row in all)
        {
            Line(row);
        }
        return text.ToString();
    }

    public static string Fields(IEnumerable<(string Name, string? Value)> fields)
    {
        var list = fields.ToList();
        var width = list.Count == 0 ? 0 : list.Max(f => f.Name.Length) + 1;
        var text = new StringBuilder();
        foreach (var (name, value) in list)
        {
            text.Append((name + ":").PadRight(width + 1)).Append(Clean(value)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>A JSON value as table text: strings bare, null as <c>-</c>, the rest compact JSON.</summary>
    public static string Show(JsonNode? node) => node switch
    {
        null => "-",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonArray a when a.All(i => i is JsonValue iv && iv.TryGetValue<string>(out _)) => a.Count == 0 ? "-" : string.Join(", ", a.Select(i => i!.GetValue<string>())),
        _ => node.ToJsonString(Compact),
    };

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Str(JsonNode? node, string name) => Show(node?[name]);

    private static string Clean(string? value) =>
        value is null ? "-" : value.Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' ');
}

using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Cli;

/// <summary>The exit codes of the admin subcommands, the same for all of them so scripts can rely on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The server refused or failed a request; the message carries its problem detail.</summary>
    public const int ServerError = 1;

    /// <summary>Bad command line or an invalid input file; nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>No answer from the server at all: nothing listens there, or it timed out.</summary>
    public const int Unreachable = 3;
}

/// <summary>A failure a command reports as one message (<c>herald: …</c> on standard error) with its exit code.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);
}

/// <summary>
/// Where a command writes and which environment it reads. By default the invocation's writers
/// (the console) and the process environment; <see cref="Use"/> swaps them for one async flow.
/// </summary>
/// <remarks>
/// Tests run commands in-process and in parallel: <c>Console.SetOut</c> and environment variables
/// are process-wide, so each test would see the others' output and settings. An
/// <see cref="AsyncLocal{T}"/> reaches only the commands that test awaits.
/// </remarks>
public sealed class CliContext(TextWriter output, TextWriter error, Func<string, string?> environment)
{
    private static readonly AsyncLocal<CliContext?> Current = new();

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>An environment variable; an empty value counts as unset.</summary>
    public string? Env(string name) => environment(name) is { Length: > 0 } value ? value : null;

    /// <summary>The context that <see cref="Use"/> set for this async flow, else the invocation's writers and the process environment.</summary>
    public static CliContext For(ParseResult parse) =>
        Current.Value ?? new CliContext(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, Environment.GetEnvironmentVariable);

    /// <summary>Commands run in this async flow use <paramref name="context"/> until the result is disposed.</summary>
    public static IDisposable Use(CliContext context)
    {
        var previous = Current.Value;
        Current.Value = context;
        return new Restore(previous);
    }

    private sealed class Restore(CliContext? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}

/// <summary>
/// The options every admin subcommand shares: which server, which key, table or JSON output
/// (README, "Command line"). Each command makes its own instance, since an option belongs to one command.
/// </summary>
public sealed class AdminOptions
{
    public Option<string?> Server { get; } = new("--server")
    {
        Description = $"Base URL of the Herald server [HERALD_SERVER, default {ApiClient.DefaultServer}]",
        HelpName = "URL",
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = "API key of your organization, sent as a bearer token [HERALD_KEY]",
        HelpName = "KEY",
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Print a JSON document for scripts instead of a table" };

    public void AddTo(Command command)
    {
        command.Options.Add(Server);
        command.Options.Add(Key);
        command.Options.Add(Json);
    }

    /// <summary>A client for the server and key given by the options or the environment; a usage error when either is unusable.</summary>
    public ApiClient Connect(ParseResult parse, CliContext context)
    {
        var (server, source) = parse.GetValue(Server) is { Length: > 0 } fromOption
            ? (fromOption, "--server")
            : context.Env("HERALD_SERVER") is { } fromEnv ? (fromEnv, "HERALD_SERVER") : (ApiClient.DefaultServer, "the default server");
        if (!Uri.TryCreate(server, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) || url.Host.Length == 0)
        {
            throw CliException.Usage($"{source} {server} is not an http(s) URL like {ApiClient.DefaultServer}.");
        }
        var key = parse.GetValue(Key) is { Length: > 0 } keyOption ? keyOption : context.Env("HERALD_KEY");
        if (key is null)
        {
            throw CliException.Usage("No API key: pass --key KEY or set HERALD_KEY.");
        }
        if (key.Any(c => c is < '!' or > '~'))
        {
            // HttpClient would refuse such a header only when sending, which would read as an unreachable server.
            throw CliException.Usage("The API key may contain only visible ASCII characters; pass it exactly as Herald printed it.");
        }
        return new ApiClient(url, key);
    }
}

/// <summary>One answer from the API: its status and its body as JSON (null when empty or not JSON).</summary>
public sealed record ApiResponse(HttpStatusCode Status, string? ReasonPhrase, JsonNode? Body, string RawBody, string Request)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>
    /// The failure in one line, from the problem+json body (RFC 9457) when there is one:
    /// <c>401 Unauthorized: The API key is not valid (it may have been deleted).</c>; validation
    /// errors follow as <c>path: message</c>.
    /// </summary>
    public string Message()
    {
        var code = (int)Status;
        if (Body is JsonObject problem && problem["detail"] is JsonValue detailValue && detailValue.TryGetValue<string>(out var detail))
        {
            var title = problem["title"] is JsonValue t && t.TryGetValue<string>(out var titleText) ? titleText : ReasonPhrase;
            var message = new StringBuilder($"{code} {title}: {detail}");
            if (problem["errors"] is JsonObject errors && errors.Count > 0)
            {
                var listed = errors.SelectMany(e => e.Value is JsonArray messages
                    ? messages.Select(m => $"{e.Key}: {m?.ToString()}")
                    : [$"{e.Key}: {e.Value?.ToString()}"]);
                message.Append(" (").AppendJoin("; ", listed).Append(')');
            }
            return message.ToString();
        }
        // Not a Herald problem: perhaps --server points at some other web server.
        var snippet = string.Join(' ', RawBody.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        if (snippet.Length > 200)
        {
            snippet = snippet[..200] + "…";
        }
        return $"{code} {ReasonPhrase} from {Request}" + (snippet.Length > 0 ? $": {snippet}" : " (no body; is this a Herald server?)");
    }
}

/// <summary>
/// A small HTTP client for the admin subcommands: JSON in and out, the bearer key on every
/// request, and failures turned into <see cref="CliException"/>s with the right exit code.
/// </summary>
public sealed class ApiClient : IDisposable
{
    public const string DefaultServer = "http://127.0.0.1:8080";

    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    private readonly HttpClient _http;

    public ApiClient(Uri server, string key, TimeSpan? timeout = null)
    {
        // A trailing slash makes relative paths resolve beneath a base path (http://host/herald/).
        Server = server.AbsoluteUri.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/");
        Timeout = timeout ?? TimeSpan.FromSeconds(30);
        _http = new HttpClient { BaseAddress = Server, Timeout = Timeout };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("herald-cli", typeof(ApiClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
    }

    public Uri Server { get; }

    public TimeSpan Timeout { get; }

    /// <summary>Sends one request and returns whatever status came back.</summary>
    /// <param name="path">Relative to the server, without a leading slash: <c>v1/event-types</c>.</param>
    /// <exception cref="CliException">Exit code 3 when no HTTP answer arrived.</exception>
    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(Compact), Encoding.UTF8, "application/json");
        }
        var described = $"{method} {new Uri(Server, path)}";
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return new ApiResponse(response.StatusCode, response.ReasonPhrase, ParseOrNull(text), text, described);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unreachable,
                $"Cannot reach Herald at {Server}: {e.Message.TrimEnd('.')}. Is `herald serve` running there? Point --server or HERALD_SERVER at it.");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable,
                $"Herald at {Server} did not answer {method} /{path} within {Core.Durations.Format(Timeout)}.");
        }
    }

    /// <summary>Like <see cref="SendAsync"/>, but a non-2xx answer is a <see cref="CliException"/> (exit code 1) with the problem's detail.</summary>
    public async Task<JsonNode?> RequestAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        var response = await SendAsync(method, path, body, cancellationToken);
        return response.IsSuccess ? response.Body : throw new CliException(ExitCodes.ServerError, response.Message());
    }

    public void Dispose() => _http.Dispose();

    private static JsonNode? ParseOrNull(string text)
    {
        if (text.Length == 0)
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

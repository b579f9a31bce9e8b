using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Webhooks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Herald.Cli;

/// <summary>What <c>herald listen</c> does: where it listens, what it checks, where it forwards.</summary>
/// <param name="Port">0 picks a free port (tests); the address is printed and passed to the listening callback.</param>
/// <param name="Url">ushahidi: the URL Herald signs, when it is not the one requests arrive at.</param>
public sealed record ListenSettings(int Port = 9000, string? Secret = null, string Scheme = "standard", Uri? Forward = null, string? Url = null);

/// <summary>
/// <c>herald listen</c>: a local receiver that prints each incoming webhook and whether its
/// signature verifies, like <c>stripe listen</c>. Verification is Herald.Webhooks.
/// </summary>
public static class ListenCommand
{
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Not echoed: the terminal may be shared or recorded, and these are credentials, not webhook data.
    private static readonly HashSet<string> Hidden = new(StringComparer.OrdinalIgnoreCase) { "Authorization", "Cookie", "Proxy-Authorization" };

    // Hop-by-hop or recomputed by HttpClient: forwarding them as-is would corrupt the request.
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase) { "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Expect" };

    public static Command Create()
    {
        var port = new Option<int>("--port", "-p") { Description = "The port on 127.0.0.1", DefaultValueFactory = _ => 9000 };
        var secret = new Option<string?>("--secret") { Description = "The endpoint's secret: each request's signature is checked and the result printed" };
        var scheme = new Option<string?>("--scheme") { Description = "standard (default) or ushahidi" };
        var url = new Option<string?>("--url") { Description = "ushahidi: the endpoint URL as configured in Herald, if not http://127.0.0.1:PORT/path" };
        var forward = new Option<string?>("--forward") { Description = "Also send each request (same body and headers) to this URL, and print its status" };
        var command = new Command("listen", """
            A local webhook receiver for development: listens on 127.0.0.1, prints each request (method,
            path, headers, the JSON body indented) and, with --secret, whether its signature verifies.
            Every request is answered 200 {"status":200}. With --forward it is also sent on to your own
            receiver. Stops on Ctrl-C. Point an endpoint at it: herald endpoint add --url http://127.0.0.1:9000/hook

            Example:
              herald listen --port 9000 --secret whsec_… --forward http://localhost:5000/webhooks
            """)
        {
            port, secret, scheme, url, forward,
        };
        command.Action = new ListenAction(port, secret, scheme, url, forward);
        return command;
    }

    private sealed class ListenAction(Option<int> port, Option<string?> secret, Option<string?> scheme, Option<string?> url, Option<string?> forward) : AsynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override async Task<int> InvokeAsync(ParseResult parse, CancellationToken cancellationToken)
        {
            var context = CliContext.For(parse);
            try
            {
                if (parse.Errors.Count > 0)
                {
                    throw CliException.Usage(string.Join(" ", parse.Errors.Select(e => e.Message)) + " See herald listen --help.");
                }
                if (parse.UnmatchedTokens.Count > 0)
                {
                    throw CliException.Usage($"Unexpected argument {string.Join(", ", parse.UnmatchedTokens.Select(t => $"'{t}'"))}. See herald listen --help.");
                }
                Uri? target = null;
                if (parse.GetValue(forward) is { } f && (!Uri.TryCreate(f, UriKind.Absolute, out target) || target.Scheme is not ("http" or "https")))
                {
                    throw CliException.Usage($"--forward '{f}' is not an http(s) URL.");
                }
                var settings = new ListenSettings(parse.GetValue(port), parse.GetValue(secret), parse.GetValue(scheme) ?? "standard", target, parse.GetValue(url));
                // System.CommandLine cancels the token on Ctrl-C.
                return await RunAsync(settings, context, cancellationToken);
            }
            catch (CliException e)
            {
                await context.Error.WriteLineAsync("herald: " + e.Message);
                return e.ExitCode;
            }
        }
    }

    /// <summary>Listens until <paramref name="cancellationToken"/> is cancelled; <paramref name="listening"/> gets the address once requests can arrive.</summary>
    public static async Task<int> RunAsync(ListenSettings settings, CliContext context, CancellationToken cancellationToken, Action<Uri>? listening = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        if (settings.Port is < 0 or > 65535)
        {
            throw CliException.Usage($"--port {settings.Port} is not a port.");
        }
        var verify = Verifier(settings);
        var output = new SerialWriter(context.Out);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{settings.Port.ToString(CultureInfo.InvariantCulture)}");
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        using var forwarder = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var count = 0;
        app.Run(async http =>
        {
            var request = http.Request;
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, http.RequestAborted);
            var body = buffer.ToArray();
            var number = Interlocked.Increment(ref count);
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"#{number} {request.Method} {request.Path}{request.QueryString}  {DateTimeOffset.Now:HH:mm:ss}\n");
            foreach (var (name, values) in request.Headers)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {name}: {(Hidden.Contains(name) ? "(hidden)" : values.ToString())}\n");
            }
            text.Append(Body(body)).Append('\n');
            if (verify is not null)
            {
                var result = verify(request, body);
                text.Append(result.IsValid ? $"signature: verified ({settings.Scheme})\n" : $"signature: INVALID: {result.Reason}\n");
            }
            if (settings.Forward is { } target)
            {
                text.Append(await ForwardAsync(forwarder, target, request, body, http.RequestAborted)).Append('\n');
            }
            await output.WriteAsync(text.Append('\n').ToString());
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("""{"status":200}""", http.RequestAborted);
        });

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.ServerError, $"Cannot listen on 127.0.0.1:{settings.Port}: {e.Message}");
        }
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var what = verify is null ? "not verifying signatures (no --secret)" : $"verifying {settings.Scheme} signatures";
        await output.WriteAsync($"Listening on {address.GetLeftPart(UriPartial.Authority)}, {what}" + (settings.Forward is null ? "" : $", forwarding to {settings.Forward}") + ". Ctrl-C to stop.\n");
        listening?.Invoke(address);
        // The host's console lifetime takes Ctrl-C (and SIGTERM) for itself and stops the app rather
        // than letting System.CommandLine cancel the token, so either one ends the wait.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await app.StopAsync(CancellationToken.None);
        return ExitCodes.Ok;
    }

    private static Func<HttpRequest, byte[], VerificationResult>? Verifier(ListenSettings settings)
    {
        if (settings.Secret is not { Length: > 0 } secret)
        {
            return null;
        }
        switch (settings.Scheme)
        {
            case "standard":
                StandardWebhooksVerifier standard;
                try
                {
                    standard = new StandardWebhooksVerifier(secret);
                }
                catch (ArgumentException)
                {
                    throw CliException.Usage("--secret is not a Standard Webhooks secret (whsec_ followed by base64).");
                }
                return (request, body) => standard.Verify(
                    request.Headers[StandardWebhooksVerifier.IdHeader].ToString(),
                    request.Headers[StandardWebhooksVerifier.TimestampHeader].ToString(),
                    request.Headers[StandardWebhooksVerifier.SignatureHeader].ToString(),
                    body);
            case "ushahidi":
                var ushahidi = new UshahidiVerifier(secret);
                return (request, body) => ushahidi.Verify(
                    settings.Url ?? $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}",
                    request.Headers[UshahidiVerifier.SignatureHeader].ToString(),
                    body);
            default:
                throw CliException.Usage($"Unknown --scheme '{settings.Scheme}': standard or ushahidi.");
        }
    }

    private static string Body(byte[] body)
    {
        if (body.Length == 0)
        {
            return "  (no body)";
        }
        try
        {
            return JsonNode.Parse(body)?.ToJsonString(Pretty) ?? "null";
        }
        // InvalidOperationException: well-formed JSON with a string that is no Unicode text ("\ud800"), shown as received.
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            try
            {
                return new UTF8Encoding(false, true).GetString(body);
            }
            catch (DecoderFallbackException)
            {
                return $"  ({body.Length} bytes, not text)";
            }
        }
    }

    private static async Task<string> ForwardAsync(HttpClient client, Uri target, HttpRequest request, byte[] body, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), target);
        if (body.Length > 0 || !HttpMethods.IsGet(request.Method))
        {
            message.Content = new ByteArrayContent(body);
        }
        foreach (var (name, values) in request.Headers)
        {
            if (NotForwarded.Contains(name))
            {
                continue;
            }
            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
        try
        {
            using var response = await client.SendAsync(message, cancellationToken);
            return $"forward: {(int)response.StatusCode} {response.ReasonPhrase} ({target})";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return $"forward: failed ({target}): {e.Message}";
        }
    }

    /// <summary>Requests arrive concurrently; each one's block is printed whole.</summary>
    private sealed class SerialWriter(TextWriter inner)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);

        public async Task WriteAsync(string text)
        {
            await _gate.WaitAsync();
            try
            {
                await inner.WriteAsync(text);
                await inner.FlushAsync();
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}

using System.CommandLine;
using System.CommandLine.Invocation;
using Herald.Webhooks;

namespace Herald.Cli;

/// <summary>
/// <c>herald verify</c>: checks a received payload's signature, for receiver developers
/// (docs/signatures.md). The check itself is Herald.Webhooks, the library receivers use.
/// </summary>
public static class VerifyCommand
{
    public const int Invalid = 1;

    public static Command Create()
    {
        var secret = new Option<string?>("--secret") { Description = "The endpoint's signing secret (whsec_… for standard)" };
        var id = new Option<string?>("--id") { Description = "The webhook-id header (standard)" };
        var timestamp = new Option<string?>("--timestamp") { Description = "The webhook-timestamp header (standard)" };
        var signature = new Option<string?>("--signature") { Description = "The webhook-signature header (standard), or X-Ushahidi-Signature (ushahidi)" };
        var header = new Option<string[]>("--header", "-H") { Description = "A received header, \"name: value\"; repeat it. Instead of --id, --timestamp, --signature" };
        var bodyFile = new Option<string?>("--body-file") { Description = "The raw body as received, byte for byte" };
        var scheme = new Option<string?>("--scheme") { Description = "standard (default) or ushahidi" };
        var url = new Option<string?>("--url") { Description = "ushahidi: the endpoint URL exactly as configured in Herald" };
        var command = new Command("verify", """
            Check a received webhook's signature against the endpoint's secret. Prints "valid", or
            "invalid: " and the reason. Exit codes: 0 valid, 1 invalid, 2 bad usage or an unreadable
            body file. Standard Webhooks signatures older or newer than 5 minutes are invalid (replays).

            Examples:
              herald verify --secret whsec_… --id dlv_… --timestamp 1795398459 --signature "v1,…" --body-file body.json
              herald verify --secret whsec_… -H "webhook-id: dlv_…" -H "webhook-timestamp: …" -H "webhook-signature: v1,…" --body-file body.json
              herald verify --scheme ushahidi --secret S --url https://example.org/hook --signature … --body-file body.json
            """)
        {
            secret, id, timestamp, signature, header, bodyFile, scheme, url,
        };
        command.Action = new VerifyAction(secret, id, timestamp, signature, header, bodyFile, scheme, url);
        return command;
    }

    private sealed class VerifyAction(
        Option<string?> secret,
        Option<string?> id,
        Option<string?> timestamp,
        Option<string?> signature,
        Option<string[]> header,
        Option<string?> bodyFile,
        Option<string?> scheme,
        Option<string?> url) : AsynchronousCommandLineAction
    {
        // System.CommandLine reports parse errors with exit code 1, which means "invalid" here.
        public override bool ClearsParseErrors => true;

        public override async Task<int> InvokeAsync(ParseResult parse, CancellationToken cancellationToken)
        {
            var context = CliContext.For(parse);
            try
            {
                if (parse.Errors.Count > 0)
                {
                    throw CliException.Usage(string.Join(" ", parse.Errors.Select(e => e.Message)) + " See herald verify --help.");
                }
                if (parse.UnmatchedTokens.Count > 0)
                {
                    throw CliException.Usage($"Unexpected argument {string.Join(", ", parse.UnmatchedTokens.Select(t => $"'{t}'"))}. See herald verify --help.");
                }
                var key = parse.GetValue(secret) ?? throw CliException.Usage("Give the endpoint's secret with --secret (see herald verify --help).");
                var path = parse.GetValue(bodyFile) ?? throw CliException.Usage("Give the raw body with --body-file (see herald verify --help).");
                var headers = ParseHeaders(parse.GetValue(header) ?? []);
                byte[] body;
                try
                {
                    body = await File.ReadAllBytesAsync(path, cancellationToken);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw CliException.Usage($"Cannot read {path}: {e.Message}");
                }

                var result = (parse.GetValue(scheme) ?? "standard") switch
                {
                    "standard" => Standard(key, headers, parse.GetValue(id), parse.GetValue(timestamp), parse.GetValue(signature), body),
                    "ushahidi" => new UshahidiVerifier(key).Verify(
                        parse.GetValue(url) ?? throw CliException.Usage("The ushahidi scheme signs the endpoint URL: give it with --url, exactly as configured in Herald."),
                        parse.GetValue(signature) ?? headers.GetValueOrDefault(UshahidiVerifier.SignatureHeader),
                        body),
                    var other => throw CliException.Usage($"Unknown --scheme '{other}': standard or ushahidi."),
                };
                await context.Out.WriteLineAsync(result.ToString());
                return result.IsValid ? ExitCodes.Ok : Invalid;
            }
            catch (CliException e)
            {
                await context.Error.WriteLineAsync("herald: " + e.Message);
                return e.ExitCode;
            }
        }

        private static VerificationResult Standard(string secret, Dictionary<string, string> headers, string? id, string? timestamp, string? signature, byte[] body)
        {
            StandardWebhooksVerifier verifier;
            try
            {
                verifier = new StandardWebhooksVerifier(secret);
            }
            catch (ArgumentException)
            {
                throw CliException.Usage("--secret is not a Standard Webhooks secret (whsec_ followed by base64).");
            }
            return verifier.Verify(
                id ?? headers.GetValueOrDefault(StandardWebhooksVerifier.IdHeader),
                timestamp ?? headers.GetValueOrDefault(StandardWebhooksVerifier.TimestampHeader),
                signature ?? headers.GetValueOrDefault(StandardWebhooksVerifier.SignatureHeader),
                body);
        }

        private static Dictionary<string, string> ParseHeaders(string[] values)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var value in values)
            {
                var colon = value.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    throw CliException.Usage($"--header '{value}' is not \"name: value\".");
                }
                headers[value[..colon].Trim()] = value[(colon + 1)..].Trim();
            }
            return headers;
        }
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DotLiquid;
using DotLiquid.Exceptions;
using DotLiquid.FileSystems;

namespace Herald.Templates;

/// <summary>What a body template renders from (DESIGN §10 "Templates (Liquid)").</summary>
/// <param name="Timestamp">RFC 3339 UTC with milliseconds: the event's occurred_at, else its created_at.</param>
/// <param name="TriggeredByJson">The published <c>triggered_by</c> object as JSON text, or null.</param>
/// <param name="DataJson">The event's <c>data</c> bytes as published.</param>
/// <param name="Attempt">The 1-based number of the attempt being built.</param>
public sealed record TemplateContext(
    string EventId,
    string EventType,
    string Timestamp,
    string? TriggeredByJson,
    string? ResourceType,
    string? ResourceId,
    byte[] DataJson,
    string EndpointId,
    string EndpointName,
    string EndpointUrl,
    string DeliveryId,
    int Attempt);

/// <summary>
/// An endpoint's <c>template</c> (format <c>template</c>, DESIGN §3): Liquid text whose output is the
/// request body, which must be JSON. Parsed once when saved or loaded, then rendered concurrently by
/// every worker: renders share nothing but the parsed tree (see docs/templates.md, "Limits").
/// </summary>
public sealed partial class BodyTemplate
{
    public const int MaxSourceBytes = 64 * 1024;
    public const int MaxBodyBytes = 1024 * 1024;
    public const int MaxLoopIterations = 1_000_000;
    public static readonly TimeSpan RenderTimeout = TimeSpan.FromSeconds(1);

    /// <summary>DotLiquid's own render limit ("Nesting too deep"), enforced before parsing too (see TryParse).</summary>
    public const int MaxNesting = 80;

    // Liquid as DotLiquid 2.2 understands it: replace/remove take plain strings, not .NET regular
    // expressions (no catastrophic backtracking), and 'x' | times: 3 is arithmetic only.
    private const SyntaxCompatibility Syntax = SyntaxCompatibility.DotLiquid22a;

    private readonly Template _template;

    private BodyTemplate(Template template) => _template = template;

    /// <summary>The §4 envelope as a template: rendering it gives the body of format <c>envelope</c>.</summary>
    public static string EnvelopeTemplate { get; } = """
        {
          "version": "1.0.0",
          "type": {{ event.type | json }},
          "timestamp": {{ event.timestamp | json }},
          "event_id": {{ event.id | json }},
          "endpoint_id": {{ endpoint.id | json }},
          "delivery_id": {{ delivery.id | json }},
          "triggered_by": {{ event.triggered_by | json }},
          "resource": {{ resource | json }},
          "data": {{ data | json }}
        }
        """;

    /// <summary>Parses a template when an endpoint is saved; <paramref name="error"/> says why it was refused.</summary>
    public static bool TryParse(string source, [NotNullWhen(true)] out BodyTemplate? template, [NotNullWhen(false)] out string? error)
    {
        template = null;
        if (string.IsNullOrWhiteSpace(source))
        {
            error = "the template is empty";
            return false;
        }
        if (Encoding.UTF8.GetByteCount(source) > MaxSourceBytes)
        {
            error = $"the template is larger than {MaxSourceBytes / 1024} KiB";
            return false;
        }
        // Refused when saved, not only when rendered: the renders also get a file system that
        // refuses every read (NoFileSystem), whatever DotLiquid's process-wide default is.
        if (IncludeTag().Match(source) is { Success: true } include)
        {
            error = $"the {include.Groups[1].Value} tag is not supported: a template cannot read other templates";
            return false;
        }
        // DotLiquid parses nested blocks recursively: a 64 KiB template of nested for loops overflows
        // the stack at parse time, which no catch survives and which would end the whole process.
        if (Nesting(source) > MaxNesting)
        {
            error = $"the template nests blocks more than {MaxNesting} deep";
            return false;
        }
        try
        {
            var parsed = Template.Parse(source, Syntax);
            // Renders then build their own registers and scopes instead of sharing the template's.
            parsed.MakeThreadSafe();
            template = new BodyTemplate(parsed);
            error = null;
            return true;
        }
        catch (Exception ex)
        {
            // DotLiquid's syntax errors name the tag but not the line ("Unknown tag 'endfor'").
            error = $"the template does not parse: {Shorten(ex.Message)}";
            return false;
        }
    }

    /// <summary>
    /// Renders; returns (body bytes, null) or (empty, reason) — e.g. "the template did not render
    /// valid JSON: … at byte N", "the template took longer than 1 s", "the template failed: …".
    /// </summary>
    public (byte[] Body, string? Error) Render(TemplateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Hash variables;
        try
        {
            variables = TemplateValues.Variables(context);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not expected: data and triggered_by were validated as JSON when the event was published.
            return ([], $"the event cannot be read as JSON: {ex.Message}");
        }

        var output = new BoundedWriter(MaxBodyBytes);
        using (var timeout = new CancellationTokenSource(RenderTimeout))
        {
            // One context per render: scopes, registers, filters and the cancellation are never shared.
            var liquid = new Context(
                [variables],
                new Hash(),
                new Hash { ["file_system"] = NoFileSystem.Instance },
                ErrorsOutputMode.Rethrow,
                MaxLoopIterations,
                CultureInfo.InvariantCulture,
                timeout.Token)
            {
                SyntaxCompatibilityLevel = Syntax,
            };
            liquid.AddFilters(typeof(TemplateFilters));
            try
            {
                _template.Render(output, RenderParameters.FromContext(liquid, CultureInfo.InvariantCulture));
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                return ([], $"the template took longer than {RenderTimeout.TotalSeconds:0.###} s");
            }
            catch (BodyTooLargeException)
            {
                return ([], TooLarge);
            }
            catch (Exception ex)
            {
                return ([], $"the template failed: {Reason(ex)}");
            }
        }

        var body = Encoding.UTF8.GetBytes(output.ToString());
        if (body.Length > MaxBodyBytes)
        {
            return ([], TooLarge);
        }
        return ValidJson(body) is { } reason
            ? ([], $"the template did not render valid JSON: {reason}")
            : (body, null);
    }

    private static string TooLarge => $"the template rendered more than {MaxBodyBytes / (1024 * 1024)} MiB";

    private static string Reason(Exception ex)
    {
        while (ex is TargetInvocationException { InnerException: { } inner })
        {
            ex = inner;
        }
        // DotLiquid only finds out at render time that a filter does not exist, and says just its name.
        return ex is FilterNotFoundException ? $"unknown filter '{Shorten(ex.Message)}'" : Shorten(ex.Message);
    }

    // DotLiquid quotes the offending markup whole, which can be most of a 64 KiB template; the
    // reason goes into every attempt's log.
    private static string Shorten(string message) => message.Length <= 300 ? message : message[..300] + "…";

    /// <summary>
    /// How deep the template's blocks nest, counted the way DotLiquid's parser will recurse: block
    /// tags open a level, end tags close one, and raw/comment bodies are skipped up to their end tag
    /// because DotLiquid does not parse them. Tags inside output strings count too (safe side).
    /// </summary>
    private static int Nesting(string source)
    {
        int depth = 0, deepest = 0;
        string? skipUntil = null;
        foreach (Match tag in TagName().Matches(source))
        {
            var name = tag.Groups[1].Value;
            if (skipUntil is not null)
            {
                if (name == skipUntil)
                {
                    skipUntil = null;
                }
            }
            else if (name is "raw" or "comment")
            {
                skipUntil = "end" + name;
            }
            else if (name.StartsWith("end", StringComparison.Ordinal))
            {
                // Never below zero: a stray end tag must not earn credit for deeper nesting later.
                depth = Math.Max(0, depth - 1);
            }
            else if (name is "if" or "unless" or "for" or "case" or "capture" or "tablerow" or "ifchanged" or "block" or "literal")
            {
                deepest = Math.Max(deepest, ++depth);
            }
        }
        return deepest;
    }

    [GeneratedRegex(@"\{%-?\s*(\w+)")]
    private static partial Regex TagName();

    /// <summary>Null when <paramref name="body"/> is one JSON value, else what is wrong and where.</summary>
    private static string? ValidJson(byte[] body)
    {
        // Deeper than published data (64) can be, since a template may wrap it.
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            while (reader.Read())
            {
            }
            // Text a template writes itself ("\ud800") is no Unicode string; receivers could not decode it.
            return Core.Validation.JsonUtf16.FindUnpaired(body) is { } unpaired
                ? $"the body's string at {unpaired.Path} {unpaired.Reason}"
                : null;
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber ?? 0;
            var message = ex.Message;
            // The reader's message ends with its own "LineNumber: 0 | BytePositionInLine: 7."; say it once, plainly.
            var suffix = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (suffix > 0)
            {
                message = message[..suffix].TrimEnd('.');
            }
            return $"{message} at byte {Offset(body, line, ex.BytePositionInLine ?? 0)} (line {line + 1})";
        }
    }

    private static long Offset(byte[] body, long line, long positionInLine)
    {
        var start = 0;
        for (var seen = 0L; seen < line; seen++)
        {
            var next = Array.IndexOf(body, (byte)'\n', start);
            if (next < 0)
            {
                break;
            }
            start = next + 1;
        }
        return start + positionInLine;
    }

    [GeneratedRegex(@"\{%-?\s*(include|render|extends)\b")]
    private static partial Regex IncludeTag();

    /// <summary>Refuses every include, so no template can read a file or another template.</summary>
    private sealed class NoFileSystem : IFileSystem
    {
        public static readonly NoFileSystem Instance = new();

        public string ReadTemplateFile(Context context, string templateName) =>
            throw new InvalidOperationException("a template cannot read other templates");
    }

    private sealed class BodyTooLargeException : Exception;

    /// <summary>
    /// Collects the output and stops the render as soon as it passes the body limit, instead of
    /// letting a loop fill memory first. Counts UTF-16 characters (never more than UTF-8 bytes); the
    /// exact byte limit is checked once the body is encoded.
    /// </summary>
    private sealed class BoundedWriter(int maxChars) : TextWriter(CultureInfo.InvariantCulture)
    {
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            Reserve(1);
            _text.Append(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            Reserve(count);
            _text.Append(buffer, index, count);
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            Reserve(buffer.Length);
            _text.Append(buffer);
        }

        public override void Write(string? value)
        {
            Reserve(value?.Length ?? 0);
            _text.Append(value);
        }

        public override string ToString() => _text.ToString();

        private void Reserve(int count)
        {
            if ((long)_text.Length + count > maxChars)
            {
                throw new BodyTooLargeException();
            }
        }
    }
}

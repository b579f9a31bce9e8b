using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DotLiquid;
using DotLiquid.Exceptions;
using DotLiquid.FileSystems;

namespace Herald.Core.Templates;

/// <summary>What a body template renders from (docs/templates.md).</summary>
/// <param name="Timestamp">RFC 3339 UTC with milliseconds: the event's occurred_at, else its created_at.</param>
/// <param name="TriggeredByJson">The published <c>triggered_by</c> object as JSON text, or null.</param>
/// <param name="DataJson">The event's <c>data</c> bytes as published.</param>
/// <param name="Attempt">The 1-based number of the attempt being built.</param>
/// <param name="EventId">The event's id.</param>
/// <param name="EventType">The event's type.</param>
/// <param name="ResourceType">The published <c>resource_type</c>, or null.</param>
/// <param name="ResourceId">The published <c>resource_id</c>, or null.</param>
/// <param name="EndpointId">The endpoint the delivery goes to.</param>
/// <param name="EndpointName">That endpoint's name.</param>
/// <param name="EndpointUrl">That endpoint's URL.</param>
/// <param name="DeliveryId">The delivery being attempted.</param>
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
/// An endpoint's <c>template</c> (format <c>template</c>): Liquid text whose output is the
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

    static BodyTemplate()
    {
        // Process-wide, but DotLiquid is only used here: its capture and ifchanged collect into
        // writers that grow without limit, these into bounded ones (see BoundedTags). DotLiquid
        // registers its own tags when its Liquid class is first used, which would replace these.
        RuntimeHelpers.RunClassConstructor(typeof(Liquid).TypeHandle);
        Template.RegisterTag<BoundedCapture>("capture");
        Template.RegisterTag<BoundedIfChanged>("ifchanged");
    }

    private BodyTemplate(Template template) => _template = template;

    /// <summary>Filter names a render knows: Herald's (TemplateFilters), which include every standard one.</summary>
    private static readonly HashSet<string> FilterNames = typeof(TemplateFilters)
        .GetMethods(BindingFlags.Public | BindingFlags.Static)
        .Select(method => Template.NamingConvention.GetMemberName(method.Name))
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>The envelope as a template: rendering it gives the body of format <c>envelope</c>.</summary>
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
        // tablerow writes HTML table rows, and collects each cell in a writer that grows without limit.
        if (TableRowTag().IsMatch(source))
        {
            error = "the tablerow tag is not supported: it writes HTML tables, not JSON";
            return false;
        }
        // DotLiquid parses nested blocks recursively: a 64 KiB template of nested for loops overflows
        // the stack at parse time, which no catch survives and which would end the whole process.
        if (Nesting(source) > MaxNesting)
        {
            error = $"the template nests blocks more than {MaxNesting} deep";
            return false;
        }
        if (Markups(source) is var markups && (UnknownFilter(markups) ?? OversizedRange(markups)) is { } refused)
        {
            error = refused;
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
    /// Renders on a render thread (<see cref="TemplateRenderer"/>), in <paramref name="organization"/>'s
    /// turn; the result is <see cref="Render(TemplateContext)"/>'s.
    /// </summary>
    public Task<(byte[] Body, string? Error)> RenderAsync(TemplateContext context, string organization, CancellationToken cancellationToken) =>
        TemplateRenderer.Shared.RenderAsync(this, context, organization, cancellationToken);

    /// <summary>
    /// Renders on the calling thread, within the time and memory bounds (see docs/templates.md,
    /// "Limits"); returns (body bytes, null) or (empty, reason) — e.g. "the template did not render
    /// valid JSON: … at byte N", "the template took longer than 1 s", "the template failed: …".
    /// Callers in the server use <see cref="RenderAsync"/>, which runs it on a render thread.
    /// </summary>
    internal (byte[] Body, string? Error) Render(TemplateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var timeout = new CancellationTokenSource();
        using var watch = RenderClock.Watch(timeout, RenderTimeout);
        // Started before the variables are read: parsing the event's data is part of the render's memory.
        using var budget = RenderBudget.Start(timeout.Token);
        try
        {
            return Render(context, timeout);
        }
        catch (RenderLimitException ex)
        {
            return ([], ex.Message);
        }
    }

    private (byte[] Body, string? Error) Render(TemplateContext context, CancellationTokenSource timeout)
    {
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

        var output = new BoundedWriter(MaxBodyBytes, static () => new BodyTooLargeException());
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
        catch (RenderLimitException)
        {
            throw;
        }
        catch (Exception ex)
        {
            return ([], $"the template failed: {Reason(ex)}");
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
    /// tags open a level, end tags close one. Raw bodies are skipped up to their end tag (DotLiquid
    /// keeps them as text). Comment bodies are counted too, although DotLiquid 2.3 keeps them as text
    /// as well: a parser that did recurse into them would overflow the stack, so the limit does not
    /// depend on it; what opens inside a comment closes with it. Tags inside output strings count
    /// too (safe side).
    /// </summary>
    private static int Nesting(string source)
    {
        int depth = 0, deepest = 0, beforeComment = -1;
        var inRaw = false;
        foreach (Match tag in TagName().Matches(source))
        {
            var name = tag.Groups[1].Value;
            if (inRaw)
            {
                inRaw = name != "endraw";
            }
            else if (name == "raw")
            {
                inRaw = true;
            }
            else if (name == "comment" && beforeComment < 0)
            {
                beforeComment = depth;
            }
            else if (name == "endcomment" && beforeComment >= 0)
            {
                depth = beforeComment;
                beforeComment = -1;
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

    [GeneratedRegex(@"\{%-?\s*tablerow\b")]
    private static partial Regex TableRowTag();

    /// <summary>
    /// The markup of every output (<c>{{ … }}</c>) and tag (<c>{% … %}</c>) DotLiquid will parse, as
    /// (tag name or null for an output, markup): raw and comment bodies are left out, as DotLiquid
    /// keeps them as text. Quoted strings are read whole, so a "}}" or "%}" inside one does not end
    /// the markup, as in DotLiquid's 2.2 tokenizer.
    /// </summary>
    private static List<(string? Tag, string Markup)> Markups(string source)
    {
        var markups = new List<(string?, string)>();
        string? skipUntil = null;
        foreach (Match token in MarkupToken().Matches(source))
        {
            var tag = token.Groups["tag"].Success ? token.Groups["tag"].Value : null;
            if (skipUntil is not null)
            {
                skipUntil = tag == skipUntil ? null : skipUntil;
            }
            else if (tag is "raw" or "comment")
            {
                skipUntil = "end" + tag;
            }
            else
            {
                markups.Add((tag, token.Groups["markup"].Value));
            }
        }
        return markups;
    }

    [GeneratedRegex("""\{\{-?(?<markup>(?:"[^"]*"|'[^']*'|[^"'}]|\}(?!\}))*?)-?\}\}|\{%-?\s*(?<tag>\w+)(?<markup>(?:"[^"]*"|'[^']*'|[^"'%]|%(?!\}))*?)-?%\}""", RegexOptions.Singleline)]
    private static partial Regex MarkupToken();

    /// <summary>
    /// The first filter no render knows, found when saved rather than when an attempt reaches it.
    /// Outputs and <c>assign</c> are where DotLiquid calls filters; their markup is read by DotLiquid's
    /// own <see cref="Variable"/> parser, so the names are those a render would look up.
    /// </summary>
    private static string? UnknownFilter(List<(string? Tag, string Markup)> markups)
    {
        foreach (var (tag, markup) in markups)
        {
            var expression = tag switch
            {
                null => markup,
                "assign" when AssignValue().Match(markup) is { Success: true } assign => assign.Groups[1].Value,
                _ => null,
            };
            if (expression is null)
            {
                continue;
            }
            foreach (var filter in new Variable(expression).Filters)
            {
                if (!FilterNames.Contains(filter.Name))
                {
                    return $"unknown filter '{Shorten(filter.Name)}'";
                }
            }
        }
        return null;
    }

    // DotLiquid's assign: a variable, '=', then an expression with filters.
    [GeneratedRegex(@"^\s*\(?[\w\-\.\[\]]+\)?\s*=\s*(.*)$", RegexOptions.Singleline)]
    private static partial Regex AssignValue();

    /// <summary>
    /// A literal range with more items than a loop may iterate: every loop over it or filter given it
    /// fails, so it is refused when saved. Ranges with variable bounds are bounded when rendered.
    /// </summary>
    private static string? OversizedRange(List<(string? Tag, string Markup)> markups)
    {
        foreach (var (_, markup) in markups)
        {
            foreach (Match range in RangeLiteral().Matches(QuotedString().Replace(markup, "")))
            {
                if (BigInteger.Parse(range.Groups[2].Value, CultureInfo.InvariantCulture) - BigInteger.Parse(range.Groups[1].Value, CultureInfo.InvariantCulture) + 1 > MaxLoopIterations)
                {
                    return $"the range {Shorten(range.Value)} has more than {MaxLoopIterations.ToString("N0", CultureInfo.InvariantCulture)} items, the most a loop may iterate";
                }
            }
        }
        return null;
    }

    [GeneratedRegex(@"\((-?\d+)\.\.(-?\d+)\)")]
    private static partial Regex RangeLiteral();

    [GeneratedRegex("""("[^"]*"|'[^']*')""")]
    private static partial Regex QuotedString();

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
}

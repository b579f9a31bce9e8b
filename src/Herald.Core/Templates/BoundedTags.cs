using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using DotLiquid;
using DotLiquid.Tags;

namespace Herald.Core.Templates;

/// <summary>
/// <c>capture</c> as DotLiquid parses it, rendering into a bounded writer: DotLiquid's own collects
/// into a StringWriter that grows without limit, so a capture around a loop (or one that doubles its
/// own variable in a loop) filled gigabytes between two time checks.
/// </summary>
internal sealed partial class BoundedCapture : DotLiquid.Tags.Capture
{
    private string _to = "";

    public override void Initialize(string tagName, string markup, List<string> tokens)
    {
        // DotLiquid's own syntax check and message come from the base; this only keeps the name.
        if (VariableName().Match(markup) is { Success: true } name)
        {
            _to = name.Groups[1].Value;
        }
        base.Initialize(tagName, markup, tokens);
    }

    public override void Render(Context context, TextWriter result)
    {
        using var captured = new BoundedWriter(TemplateFilters.MaxStringLength, static () => new InvalidOperationException(
            $"capture would build a string longer than {TemplateFilters.MaxStringLength / (1024 * 1024)} Mi characters"));
        RenderAll(NodeList, context, captured);
        context.Scopes[^1][_to] = captured.ToString();
    }

    // DotLiquid's capture syntax: one variable name of word characters and dashes.
    [GeneratedRegex(@"\A\s*([\w\-]+)\s*\z")]
    private static partial Regex VariableName();
}

/// <summary><c>ifchanged</c> as DotLiquid renders it, into a bounded writer (see <see cref="BoundedCapture"/>).</summary>
internal sealed class BoundedIfChanged : IfChanged
{
    public override void Render(Context context, TextWriter result)
    {
        context.Stack(() =>
        {
            string text;
            using (var rendered = new BoundedWriter(TemplateFilters.MaxStringLength, static () => new InvalidOperationException(
                $"ifchanged would build a string longer than {TemplateFilters.MaxStringLength / (1024 * 1024)} Mi characters")))
            {
                RenderAll(NodeList, context, rendered);
                text = rendered.ToString();
            }
            if (text != context.Registers["ifchanged"] as string)
            {
                context.Registers["ifchanged"] = text;
                result.Write(text);
            }
        });
    }
}

/// <summary>
/// Collects text and stops the render as soon as it passes <c>maxChars</c>, instead of letting a loop
/// fill memory first; every write also checks the render's budget. Counts UTF-16 characters (never
/// more than UTF-8 bytes); the body's exact byte limit is checked once it is encoded.
/// </summary>
internal sealed class BoundedWriter(int maxChars, Func<Exception> tooLarge) : TextWriter(CultureInfo.InvariantCulture)
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
        RenderBudget.Check();
        if ((long)_text.Length + count > maxChars)
        {
            throw tooLarge();
        }
    }
}

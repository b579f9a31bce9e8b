using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Herald.Dashboard;

/// <summary>HTML that is already safe to write as is: built by <see cref="Html.H"/> or from a constant.</summary>
public readonly record struct Markup(string Value)
{
    public static readonly Markup Empty = new("");

    public override string ToString() => Value;
}

/// <summary>
/// Interpolated HTML where every hole is encoded unless it is <see cref="Markup"/>: a user value can
/// only reach a page escaped, and a place that writes raw HTML has to say so by its type.
/// </summary>
[InterpolatedStringHandler]
public ref struct HtmlHandler
{
    private readonly StringBuilder _builder;

    public HtmlHandler(int literalLength, int formattedCount) => _builder = new StringBuilder(literalLength + (formattedCount * 16));

    public readonly void AppendLiteral(string literal) => _builder.Append(literal);

    public readonly void AppendFormatted(Markup markup) => _builder.Append(markup.Value);

    public readonly void AppendFormatted(string? text) => _builder.Append(Html.Encode(text));

    public readonly void AppendFormatted<T>(T value) =>
        _builder.Append(Html.Encode(value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : value?.ToString()));

    public readonly void AppendFormatted<T>(T value, string format) where T : IFormattable =>
        _builder.Append(Html.Encode(value.ToString(format, CultureInfo.InvariantCulture)));

    internal readonly Markup ToMarkup() => new(_builder.ToString());
}

public static class Html
{
    // Every character outside markup syntax stays readable in the page source; <, >, &, quotes are always encoded.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public static Markup H(ref HtmlHandler html) => html.ToMarkup();

    public static string Encode(string? text) => string.IsNullOrEmpty(text) ? "" : Encoder.Encode(text);

    public static Markup Join(this IEnumerable<Markup> parts)
    {
        var builder = new StringBuilder();
        foreach (var part in parts)
        {
            builder.Append(part.Value);
        }
        return new Markup(builder.ToString());
    }

    public static Markup When(bool condition, Markup markup) => condition ? markup : Markup.Empty;
}

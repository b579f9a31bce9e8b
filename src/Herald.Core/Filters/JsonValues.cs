using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Herald.Core.Filters;

/// <summary>String helpers that read a <see cref="JsonElement"/> in place where they can.</summary>
internal static class JsonStrings
{
    private const int StackChars = 512;

    /// <summary>
    /// Orders a string element against a string by Unicode code point. That is the order of UTF-8
    /// encodings, so the common unescaped case compares the document's bytes directly.
    /// </summary>
    public static int CompareOrdinal(JsonElement element, string value, ReadOnlySpan<byte> utf8)
    {
        var body = Body(element);
        if (body.IndexOf((byte)'\\') < 0)
            return body.SequenceCompareTo(utf8);

        return CompareByCodePoint(element.GetString(), value);
    }

    // UTF-16 code unit order differs from code point order only where a surrogate meets
    // U+E000–U+FFFF; moving surrogates above that range at the first difference repairs it.
    private static int CompareByCodePoint(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        var common = Math.Min(a.Length, b.Length);
        for (var i = 0; i < common; i++)
        {
            int x = a[i], y = b[i];
            if (x == y)
                continue;
            if (x >= 0xD800 && y >= 0xD800)
            {
                x += x >= 0xE000 ? -0x800 : 0x2000;
                y += y >= 0xE000 ? -0x800 : 0x2000;
            }
            return x - y;
        }
        return a.Length - b.Length;
    }

    /// <summary>Runs <paramref name="regex"/> on a string element, without allocating for short unescaped values.</summary>
    public static bool IsMatch(JsonElement element, System.Text.RegularExpressions.Regex regex)
    {
        var body = Body(element);
        if (body.Length <= StackChars && body.IndexOf((byte)'\\') < 0)
        {
            // UTF-8 never yields more UTF-16 code units than it has bytes.
            Span<char> chars = stackalloc char[StackChars];
            var count = Encoding.UTF8.GetChars(body, chars);
            return regex.IsMatch(chars[..count]);
        }

        return regex.IsMatch(element.GetString()!);
    }

    // The raw value of a string element is its JSON text, quotes included.
    private static ReadOnlySpan<byte> Body(JsonElement element) => JsonMarshal.GetRawUtf8Value(element)[1..^1];
}

/// <summary>
/// A JSON value from the filter, kept in a form that compares against envelope elements without
/// allocating: strings as UTF-8, numbers as their text, object keys as UTF-8 names.
/// </summary>
internal abstract class Literal
{
    public abstract JsonValueKind Kind { get; }

    public abstract bool EqualTo(JsonElement element);

    public static Literal From(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null => NullLiteral.Instance,
        JsonValueKind.True => BooleanLiteral.True,
        JsonValueKind.False => BooleanLiteral.False,
        JsonValueKind.Number => new NumberLiteral(JsonMarshal.GetRawUtf8Value(element).ToArray()),
        JsonValueKind.String => new StringLiteral(element.GetString()!),
        JsonValueKind.Array => new ArrayLiteral([.. element.EnumerateArray().Select(From)]),
        JsonValueKind.Object => new ObjectLiteral([.. element.EnumerateObject().Select(p => (Encoding.UTF8.GetBytes(p.Name), From(p.Value)))]),
        _ => throw new ArgumentException($"Unexpected JSON value kind {element.ValueKind}.", nameof(element)),
    };
}

internal sealed class NullLiteral : Literal
{
    public static readonly NullLiteral Instance = new();

    public override JsonValueKind Kind => JsonValueKind.Null;

    public override bool EqualTo(JsonElement element) => element.ValueKind == JsonValueKind.Null;
}

internal sealed class BooleanLiteral(JsonValueKind kind) : Literal
{
    public static readonly BooleanLiteral True = new(JsonValueKind.True);
    public static readonly BooleanLiteral False = new(JsonValueKind.False);

    public override JsonValueKind Kind => kind;

    public override bool EqualTo(JsonElement element) => element.ValueKind == kind;
}

internal sealed class NumberLiteral(byte[] text) : Literal
{
    public override JsonValueKind Kind => JsonValueKind.Number;

    public override bool EqualTo(JsonElement element) =>
        element.ValueKind == JsonValueKind.Number && OrderOf(element) == 0;

    /// <summary>Where the element falls relative to this number (&gt; 0: above); the element must be a number.</summary>
    public int OrderOf(JsonElement element) => JsonNumbers.Compare(JsonMarshal.GetRawUtf8Value(element), text);
}

internal sealed class StringLiteral(string value) : Literal
{
    private readonly byte[] _utf8 = Encoding.UTF8.GetBytes(value);

    public override JsonValueKind Kind => JsonValueKind.String;

    // ValueEquals unescapes the element's text as it compares, so "caf\u00e9" equals "café".
    public override bool EqualTo(JsonElement element) =>
        element.ValueKind == JsonValueKind.String && element.ValueEquals(_utf8);

    /// <summary>Where the element falls relative to this string (&gt; 0: after); the element must be a string.</summary>
    public int OrderOf(JsonElement element) => JsonStrings.CompareOrdinal(element, value, _utf8);
}

internal sealed class ArrayLiteral(Literal[] items) : Literal
{
    public override JsonValueKind Kind => JsonValueKind.Array;

    public override bool EqualTo(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() != items.Length)
            return false;

        // Enumerating rather than indexing: indexing an array of objects walks it from the start.
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (!items[i++].EqualTo(item))
                return false;
        }
        return true;
    }
}

internal sealed class ObjectLiteral((byte[] Name, Literal Value)[] properties) : Literal
{
    public override JsonValueKind Kind => JsonValueKind.Object;

    // Key order is not significant in JSON; the counts match, so every key of the element is
    // one of ours.
    public override bool EqualTo(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object || element.GetPropertyCount() != properties.Length)
            return false;

        foreach (var (name, value) in properties)
        {
            if (!element.TryGetProperty(name, out var property) || !value.EqualTo(property))
                return false;
        }
        return true;
    }
}

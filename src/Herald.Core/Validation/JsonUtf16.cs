using System.Text;
using System.Text.Json;

namespace Herald.Core.Validation;

/// <summary>A string of a JSON text whose <c>\u</c> escapes are not valid UTF-16, and where it is.</summary>
/// <param name="Path">The JSON path of the value (<c>data.items[2]</c>), or of the object whose property name it is; <c>$</c> for the top level.</param>
/// <param name="Escape">The unpaired escape as written, lower-cased (<c>\ud800</c>).</param>
/// <param name="InName">True when the escape is in a property name rather than a value.</param>
public sealed record UnpairedSurrogate(string Path, string Escape, bool InName)
{
    /// <summary>The reason, for a validation error at <see cref="Path"/>.</summary>
    public string Reason => InName
        ? $"has a property name that contains an unpaired UTF-16 surrogate ({Escape})"
        : $"contains an unpaired UTF-16 surrogate ({Escape})";
}

/// <summary>
/// JSON allows any <c>\uXXXX</c> escape, so <c>"\ud800"</c> is well-formed JSON text that decodes to no
/// Unicode string: every reader that turns it into a string (System.Text.Json, PostgreSQL, most
/// receivers) throws. Herald refuses such text on the way in and repairs text stored before that rule.
/// A surrogate is paired only as a high escape (D800–DBFF) directly followed by a low one (DC00–DFFF);
/// a reversed pair is two unpaired surrogates. Literal bytes need no check: they are valid UTF-8.
/// </summary>
public static class JsonUtf16
{
    private const string Replacement = "fffd";

    /// <summary>
    /// The first string (value or property name) of a JSON text with an unpaired surrogate escape, or
    /// null when every string up to the end, or up to the first syntax error, is valid UTF-16. Run it
    /// before parsing: parsers decode property names (to find duplicates) and throw on such a name.
    /// </summary>
    public static UnpairedSurrogate? FindUnpaired(ReadOnlySpan<byte> json)
    {
        if (json.IndexOf("\\u"u8) < 0)
        {
            return null;
        }
        try
        {
            return Scan(json);
        }
        catch (JsonException)
        {
            // Malformed after the strings read so far: the parser that runs next says where and why.
            return null;
        }
    }

    private static UnpairedSurrogate? Scan(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        // One frame per open container: its path, the current array index (-1 in an object) and the last property name.
        var frames = new List<(string Path, int Index, string? Name)>();
        string ValuePath()
        {
            if (frames.Count == 0)
            {
                return "$";
            }
            var (path, index, name) = frames[^1];
            return index >= 0 ? ValidationErrors.Index(path, index) : ValidationErrors.Join(path == "$" ? "" : path, name ?? "");
        }
        void Advance()
        {
            if (frames.Count > 0 && frames[^1].Index >= 0)
            {
                frames[^1] = frames[^1] with { Index = frames[^1].Index + 1 };
            }
        }
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    frames.Add((ValuePath(), reader.TokenType == JsonTokenType.StartArray ? 0 : -1, null));
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    frames.RemoveAt(frames.Count - 1);
                    Advance();
                    break;
                case JsonTokenType.PropertyName:
                    if (reader.ValueIsEscaped && FirstUnpaired(reader.ValueSpan) is { } inName)
                    {
                        return new UnpairedSurrogate(frames[^1].Path, inName, InName: true);
                    }
                    frames[^1] = frames[^1] with { Name = reader.GetString() };
                    break;
                case JsonTokenType.String:
                    if (reader.ValueIsEscaped && FirstUnpaired(reader.ValueSpan) is { } inValue)
                    {
                        return new UnpairedSurrogate(ValuePath(), inValue, InName: false);
                    }
                    Advance();
                    break;
                default:
                    Advance();
                    break;
            }
        }
        return null;
    }

    /// <summary>
    /// The first unpaired surrogate escape (<c>\ud800</c>) anywhere in a text that writes JSON, such as a
    /// body template, or null; <c>\\ud800</c> is an escaped backslash and no escape.
    /// </summary>
    public static string? FindUnpairedEscape(ReadOnlySpan<byte> text) => FirstUnpaired(text);

    /// <summary>The first unpaired surrogate escape in the escaped content of one JSON string, or null.</summary>
    private static string? FirstUnpaired(ReadOnlySpan<byte> escaped)
    {
        var at = 0;
        return NextUnpaired(escaped, ref at) is { } found
            ? "\\u" + Encoding.ASCII.GetString(escaped.Slice(found + 2, 4)).ToLowerInvariant()
            : null;
    }

    /// <summary>
    /// The offset of the next unpaired surrogate escape at or after <paramref name="at"/> (which is moved
    /// past it), or null. A backslash only occurs inside strings of well-formed JSON, so this works on a
    /// whole JSON text as well as on the content of one string.
    /// </summary>
    private static int? NextUnpaired(ReadOnlySpan<byte> text, ref int at)
    {
        while (at < text.Length)
        {
            var slash = text[at..].IndexOf((byte)'\\');
            if (slash < 0 || at + slash + 1 >= text.Length)
            {
                at = text.Length;
                return null;
            }
            var start = at + slash;
            if (text[start + 1] != (byte)'u')
            {
                at = start + 2; // \" \\ \n …: the escaped character is never the start of another escape.
                continue;
            }
            if (CodeUnit(text, start) is not { } unit)
            {
                at = start + 2;
                continue;
            }
            if (unit is >= 0xD800 and <= 0xDBFF && CodeUnit(text, start + 6) is >= 0xDC00 and <= 0xDFFF)
            {
                at = start + 12;
                continue;
            }
            at = start + 6;
            if (unit is >= 0xD800 and <= 0xDFFF)
            {
                return start;
            }
        }
        return null;
    }

    /// <summary>The code unit of a <c>\uXXXX</c> escape starting at <paramref name="at"/>, or null if there is none there.</summary>
    private static int? CodeUnit(ReadOnlySpan<byte> text, int at)
    {
        if (at + 6 > text.Length || text[at] != (byte)'\\' || text[at + 1] != (byte)'u')
        {
            return null;
        }
        var value = 0;
        for (var i = at + 2; i < at + 6; i++)
        {
            var digit = HexValue(text[i]);
            if (digit < 0)
            {
                return null;
            }
            value = (value << 4) | digit;
        }
        return value;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    /// <summary>
    /// A well-formed JSON text with every unpaired surrogate escape replaced by <c>\ufffd</c> (U+FFFD, the
    /// replacement character); the same array when there is none. The escapes have equal length, so
    /// nothing else moves. Used on text stored before unpaired surrogates were refused.
    /// </summary>
    public static byte[] Repair(byte[] json)
    {
        var at = 0;
        byte[]? repaired = null;
        while (NextUnpaired(json, ref at) is { } found)
        {
            repaired ??= (byte[])json.Clone();
            Encoding.ASCII.GetBytes(Replacement, repaired.AsSpan(found + 2, 4));
        }
        return repaired ?? json;
    }

    /// <summary><see cref="Repair(byte[])"/> for JSON held as a string; the same string when there is nothing to repair.</summary>
    public static string Repair(string json)
    {
        if (!json.Contains("\\u", StringComparison.Ordinal))
        {
            return json;
        }
        var bytes = Encoding.UTF8.GetBytes(json);
        var repaired = Repair(bytes);
        return ReferenceEquals(repaired, bytes) ? json : Encoding.UTF8.GetString(repaired);
    }
}

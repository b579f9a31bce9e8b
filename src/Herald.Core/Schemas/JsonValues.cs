using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Herald.Core;

namespace Herald.Core.Schemas;

/// <summary>JSON value semantics as JSON Schema defines them: 1 and 1.0 are equal, key order does not matter.</summary>
internal static class JsonValues
{
    public static bool AreEqual(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }
        switch (a.ValueKind)
        {
            case JsonValueKind.Number:
                return JsonNumbers.Compare(JsonMarshal.GetRawUtf8Value(a), JsonMarshal.GetRawUtf8Value(b)) == 0;
            case JsonValueKind.String:
                return string.Equals(a.GetString(), b.GetString(), StringComparison.Ordinal);
            case JsonValueKind.Array:
                if (a.GetArrayLength() != b.GetArrayLength())
                {
                    return false;
                }
                using (var left = a.EnumerateArray())
                using (var right = b.EnumerateArray())
                {
                    while (left.MoveNext() && right.MoveNext())
                    {
                        if (!AreEqual(left.Current, right.Current))
                        {
                            return false;
                        }
                    }
                }
                return true;
            case JsonValueKind.Object:
                if (a.GetPropertyCount() != b.GetPropertyCount())
                {
                    return false;
                }
                foreach (var property in a.EnumerateObject())
                {
                    if (!b.TryGetProperty(property.Name, out var other) || !AreEqual(property.Value, other))
                    {
                        return false;
                    }
                }
                return true;
            default:
                return true;
        }
    }

    /// <summary>Consistent with <see cref="AreEqual"/>, so uniqueItems needs no quadratic scan.</summary>
    public static int Hash(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                // By exact value, not by double: distinct numbers that round to one double would
                // share a bucket, and an array of them would make uniqueItems quadratic.
                return JsonNumbers.Hash(JsonMarshal.GetRawUtf8Value(value));
            case JsonValueKind.String:
                return StringComparer.Ordinal.GetHashCode(value.GetString()!);
            case JsonValueKind.Array:
                var arrayHash = new HashCode();
                foreach (var item in value.EnumerateArray())
                {
                    arrayHash.Add(Hash(item));
                }
                return arrayHash.ToHashCode();
            case JsonValueKind.Object:
                // Order-independent, because {"a":1,"b":2} equals {"b":2,"a":1}.
                var objectHash = 17;
                foreach (var property in value.EnumerateObject())
                {
                    objectHash += HashCode.Combine(StringComparer.Ordinal.GetHashCode(property.Name), Hash(property.Value));
                }
                return objectHash;
            default:
                return (int)value.ValueKind;
        }
    }

    /// <summary>
    /// Whether a JSON number has no fractional part, decided on its text: 1.0 and 1e2 are integers
    /// (draft 6 onwards) and 1e-30 is not, which no binary or decimal conversion gets right for every input.
    /// </summary>
    public static bool IsInteger(JsonElement number)
    {
        var raw = number.GetRawText().AsSpan();
        var e = raw.IndexOfAny('e', 'E');
        var mantissa = e < 0 ? raw : raw[..e];
        long exponent = 0;
        if (e >= 0 && !long.TryParse(raw[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
        {
            exponent = raw[e + 1] == '-' ? long.MinValue : long.MaxValue;
        }
        if (mantissa.StartsWith("-"))
        {
            mantissa = mantissa[1..];
        }
        var dot = mantissa.IndexOf('.');
        var whole = dot < 0 ? mantissa : mantissa[..dot];
        var fraction = dot < 0 ? ReadOnlySpan<char>.Empty : mantissa[(dot + 1)..];
        if (whole.IndexOfAnyExcept('0') < 0 && fraction.IndexOfAnyExcept('0') < 0)
        {
            return true;
        }
        if (exponent >= 0)
        {
            return exponent >= fraction.Length || fraction[(int)exponent..].IndexOfAnyExcept('0') < 0;
        }
        if (fraction.IndexOfAnyExcept('0') >= 0)
        {
            return false;
        }
        // Shifting right by -exponent digits must drop only zeros.
        return -exponent <= whole.Length && whole[(whole.Length - (int)-exponent)..].IndexOfAnyExcept('0') < 0;
    }

    /// <summary>Length as JSON Schema counts it: in code points, so an emoji is one character.</summary>
    public static int CodePointLength(string value)
    {
        var length = 0;
        foreach (var _ in value.EnumerateRunes())
        {
            length++;
        }
        return length;
    }

    public static string Truncate(string text, int max = 80) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");

    public static string AppendProperty(string parent, string name)
    {
        if (IsIdentifier(name))
        {
            return parent + "." + name;
        }
        var builder = new StringBuilder(parent, parent.Length + name.Length + 6).Append("[\"");
        foreach (var c in name)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (c < ' ')
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.Append("\"]").ToString();
    }

    public static string AppendIndex(string parent, int index) => $"{parent}[{index.ToString(CultureInfo.InvariantCulture)}]";

    // Dotted paths stay readable for ordinary names and unambiguous for the rest (data["first name"]).
    private static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '$')
            {
                return false;
            }
        }
        return true;
    }
}

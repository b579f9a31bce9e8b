using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using DotLiquid;
using Herald.Core;

namespace Herald.Templates;

/// <summary>
/// Filters added to every render's context (never registered globally). Every public static method
/// here becomes a filter named in snake_case, so helpers stay private.
/// </summary>
/// <remarks>
/// Besides <c>json</c>, this overrides the standard filters that can multiply a string's length in one
/// step (<c>append</c>, <c>prepend</c>, <c>replace</c>, <c>join</c>): the render's time limit is only
/// checked between nodes, so one <c>replace</c> of every character by a long string could otherwise
/// allocate gigabytes before it is stopped. Their behaviour is DotLiquid's (2.2 syntax), plus the bound.
/// </remarks>
internal static class TemplateFilters
{
    /// <summary>The longest string a filter may build; four times the body limit leaves room for trimming later.</summary>
    internal const int MaxStringLength = 4 * BodyTemplate.MaxBodyBytes;

    /// <summary><c>{{ value | json }}</c>: the value written as JSON.</summary>
    public static string Json(object? input) => TemplateJson.Write(input);

    public static string? Append(string? input, string? @string)
    {
        if (input is null)
        {
            return input;
        }
        EnsureFits((long)input.Length + (@string?.Length ?? 0), "append");
        return input + @string;
    }

    public static string? Prepend(string? input, string? @string)
    {
        if (input is null)
        {
            return input;
        }
        EnsureFits((long)input.Length + (@string?.Length ?? 0), "prepend");
        return @string + input;
    }

    // The Context parameter keeps the signature of DotLiquid's own replace, which this one replaces.
    public static string? Replace(Context context, string? input, string? @string, string? replacement = "")
    {
        if (string.IsNullOrEmpty(input) || string.IsNullOrEmpty(@string))
        {
            return input;
        }
        replacement ??= "";
        if (replacement.Length > @string.Length)
        {
            long occurrences = 0;
            for (var at = input.IndexOf(@string, StringComparison.Ordinal); at >= 0; at = input.IndexOf(@string, at + @string.Length, StringComparison.Ordinal))
            {
                occurrences++;
            }
            EnsureFits(input.Length + occurrences * (replacement.Length - @string.Length), "replace");
        }
        return input.Replace(@string, replacement, StringComparison.Ordinal);
    }

    public static string? Join(IEnumerable? input, string? glue = " ")
    {
        if (input is null)
        {
            return null;
        }
        var joined = new StringBuilder();
        var first = true;
        foreach (var item in input)
        {
            if (!first)
            {
                joined.Append(glue);
            }
            first = false;
            joined.Append(Convert.ToString(item, CultureInfo.InvariantCulture));
            EnsureFits(joined.Length, "join");
        }
        return joined.ToString();
    }

    private static void EnsureFits(long length, string filter)
    {
        if (length > MaxStringLength)
        {
            throw new InvalidOperationException($"{filter} would build a string longer than {MaxStringLength / (1024 * 1024)} Mi characters");
        }
    }
}

/// <summary>The <c>json</c> filter's writer: any template value as one JSON value.</summary>
internal static class TemplateJson
{
    // Not the default encoder: it escapes <, >, & and ' for HTML pages, which a webhook body is not.
    // Quotes, backslashes and control characters are still escaped, so the result is always valid JSON.
    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private const int MaxDepth = 64;

    public static string Write(object? value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            Write(writer, value, 0);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter writer, object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidOperationException($"json: the value nests more than {MaxDepth} levels deep");
        }
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            // Published JSON goes out as the bytes it came in: numbers, escapes and member order untouched.
            case JsonObjectValue obj:
                writer.WriteRawValue(obj.Raw.Span, skipInputValidation: true);
                break;
            case JsonArrayValue array:
                writer.WriteRawValue(array.Raw.Span, skipInputValidation: true);
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            // decimal's own text keeps the scale (0.0 stays 0.0) and never uses an exponent.
            case decimal number:
                writer.WriteRawValue(number.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
                break;
            case double number:
                WriteFinite(writer, number);
                break;
            case float number:
                if (!float.IsFinite(number))
                {
                    throw new InvalidOperationException($"json: {number.ToString(CultureInfo.InvariantCulture)} is not a JSON number");
                }
                writer.WriteNumberValue(number);
                break;
            case int or long or short or sbyte or byte or ushort or uint:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong number:
                writer.WriteNumberValue(number);
                break;
            case DateTimeOffset time:
                writer.WriteStringValue(Times.Format(time));
                break;
            case DateTime time:
                writer.WriteStringValue(time.ToString("O", CultureInfo.InvariantCulture));
                break;
            // A for loop over an object yields its members as pairs; Liquid shows them as [key, value].
            case KeyValuePair<string, object?> member:
                writer.WriteStartArray();
                writer.WriteStringValue(member.Key);
                Write(writer, member.Value, depth + 1);
                writer.WriteEndArray();
                break;
            case IDictionary dictionary:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                    Write(writer, entry.Value, depth + 1);
                }
                writer.WriteEndObject();
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    Write(writer, item, depth + 1);
                }
                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void WriteFinite(Utf8JsonWriter writer, double number)
    {
        if (!double.IsFinite(number))
        {
            throw new InvalidOperationException($"json: {number.ToString(CultureInfo.InvariantCulture)} is not a JSON number");
        }
        writer.WriteNumberValue(number);
    }
}

using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using DotLiquid;
using DotLiquid.Util;
using Herald.Core;

namespace Herald.Core.Templates;

/// <summary>
/// Filters added to every render's context (never registered globally). Every public static method
/// here becomes a filter named in snake_case, so helpers stay private.
/// </summary>
/// <remarks>
/// Every one of DotLiquid's standard filters has a method of the same name and parameters here,
/// which replaces it in the render (TemplateFilters.Standard.cs holds those that only wrap DotLiquid's
/// own). Each checks the render's budget (time and memory, <see cref="RenderBudget"/>) before and after
/// its work and the size of what it returns (<see cref="FilterGuard"/>): DotLiquid only checks the time
/// between nodes, so one filter chain could otherwise run for seconds and allocate gigabytes. The
/// filters that can make a value much larger than their input in one step (<c>append</c>,
/// <c>replace</c>, <c>join</c>, <c>split</c>, <c>escape</c>, <c>json</c>, …) check the size before
/// they build it; <c>sort</c> and <c>sort_natural</c>, the only ones slower than linear, check the
/// budget while they compare. Their behaviour is DotLiquid's (2.2 syntax), plus the bounds.
/// </remarks>
internal static partial class TemplateFilters
{
    /// <summary>The longest string a filter may build; four times the body limit leaves room for trimming later.</summary>
    internal const int MaxStringLength = 4 * BodyTemplate.MaxBodyBytes;

    /// <summary><c>{{ value | json }}</c>: the value written as JSON.</summary>
    public static string Json(object? input)
    {
        FilterGuard.In("json", input);
        return FilterGuard.Out("json", TemplateJson.Write(input));
    }

    public static string? Append(string? input, string? @string)
    {
        FilterGuard.In("append", input, @string);
        if (input is null)
        {
            return input;
        }
        FilterGuard.EnsureFits((long)input.Length + (@string?.Length ?? 0), "append");
        return FilterGuard.Out("append", input + @string);
    }

    public static string? Prepend(string? input, string? @string)
    {
        FilterGuard.In("prepend", input, @string);
        if (input is null)
        {
            return input;
        }
        FilterGuard.EnsureFits((long)input.Length + (@string?.Length ?? 0), "prepend");
        return FilterGuard.Out("prepend", @string + input);
    }

    // The Context parameter keeps the signature of DotLiquid's own replace, which this one replaces.
    public static string? Replace(Context context, string? input, string? @string, string? replacement = "")
    {
        FilterGuard.In("replace", input, @string, replacement);
        if (string.IsNullOrEmpty(input) || string.IsNullOrEmpty(@string))
        {
            return input;
        }
        replacement ??= "";
        if (replacement.Length > @string.Length)
        {
            FilterGuard.EnsureFits(input.Length + Occurrences(input, @string) * (replacement.Length - @string.Length), "replace");
        }
        return FilterGuard.Out("replace", input.Replace(@string, replacement, StringComparison.Ordinal));
    }

    public static string? Join(IEnumerable? input, string? glue = " ")
    {
        FilterGuard.In("join", input, glue);
        if (input is null)
        {
            return null;
        }
        var joined = new StringBuilder();
        var first = true;
        foreach (var item in input)
        {
            RenderBudget.Step();
            if (!first)
            {
                joined.Append(glue);
            }
            first = false;
            joined.Append(Convert.ToString(item, CultureInfo.InvariantCulture));
            FilterGuard.EnsureFits(joined.Length, "join");
        }
        return FilterGuard.Out("join", joined.ToString());
    }

    public static string[]? Split(string? input, string? pattern)
    {
        FilterGuard.In("split", input, pattern);
        if (!string.IsNullOrWhiteSpace(input))
        {
            // Counted before splitting: with an empty pattern every character becomes a string of its own.
            var parts = string.IsNullOrEmpty(pattern) ? input.Length : Occurrences(input, pattern) + 1;
            if (input.Length + parts > FilterGuard.MaxValueSize)
            {
                throw new InvalidOperationException($"split would build a value larger than {FilterGuard.MaxValueSize / (1024 * 1024)} Mi characters and items");
            }
        }
        return FilterGuard.Out("split", StandardFilters.Split(input, pattern));
    }

    public static string? Escape(string? input)
    {
        FilterGuard.In("escape", input);
        FilterGuard.EnsureFits(input is null ? 0 : FilterGuard.HtmlEncodedLength(input), "escape");
        return FilterGuard.Out("escape", StandardFilters.Escape(input));
    }

    public static string? EscapeOnce(string? input)
    {
        FilterGuard.In("escape_once", input);
        FilterGuard.EnsureFits(input is null ? 0 : FilterGuard.HtmlEncodedLength(input), "escape_once");
        return FilterGuard.Out("escape_once", StandardFilters.EscapeOnce(input));
    }

    public static string? H(string? input)
    {
        FilterGuard.In("h", input);
        FilterGuard.EnsureFits(input is null ? 0 : FilterGuard.HtmlEncodedLength(input), "h");
        return FilterGuard.Out("h", StandardFilters.H(input));
    }

    public static string? NewlineToBr(string? input)
    {
        FilterGuard.In("newline_to_br", input);
        FilterGuard.EnsureFits(input is null ? 0 : input.Length + 6L * input.AsSpan().Count('\n'), "newline_to_br");
        return FilterGuard.Out("newline_to_br", StandardFilters.NewlineToBr(input));
    }

    public static string? UrlEncode(string? input)
    {
        FilterGuard.In("url_encode", input);
        FilterGuard.EnsureFits(input is null ? 0 : 3L * FilterGuard.Utf8Length(input), "url_encode");
        return FilterGuard.Out("url_encode", StandardFilters.UrlEncode(input));
    }

    public static string? Base64Encode(string? input)
    {
        FilterGuard.In("base64_encode", input);
        FilterGuard.EnsureFits(input is null ? 0 : (FilterGuard.Utf8Length(input) + 2L) / 3 * 4, "base64_encode");
        return FilterGuard.Out("base64_encode", StandardFilters.Base64Encode(input));
    }

    public static string? Base64UrlSafeEncode(string? input)
    {
        FilterGuard.In("base64_url_safe_encode", input);
        FilterGuard.EnsureFits(input is null ? 0 : (FilterGuard.Utf8Length(input) + 2L) / 3 * 4, "base64_url_safe_encode");
        return FilterGuard.Out("base64_url_safe_encode", StandardFilters.Base64UrlSafeEncode(input));
    }

    public static string? Date(Context context, object? input, string? format)
    {
        FilterGuard.In("date", input, format);
        FilterGuard.EnsureFormatFits(format, "date");
        return FilterGuard.Out("date", StandardFilters.Date(context, input, format));
    }

    // DotLiquid 2.2 syntax and later sort case-sensitively; sort_natural never does.
    public static IEnumerable? Sort(Context context, object? input, string? property = null) =>
        Sorted("sort", context.SyntaxCompatibilityLevel >= SyntaxCompatibility.DotLiquid22 ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase, input, property);

    public static IEnumerable? SortNatural(object? input, string? property = null) =>
        Sorted("sort_natural", StringComparer.OrdinalIgnoreCase, input, property);

    /// <summary>
    /// DotLiquid's sort with the same list, comparer and <see cref="List{T}.Sort(Comparison{T})"/> (so
    /// the same order), but checking the budget while it compares: a million items sorted by a
    /// property resolve it forty million times.
    /// </summary>
    private static List<object?>? Sorted(string filter, StringComparer comparer, object? input, string? property)
    {
        FilterGuard.In(filter, input, property);
        if (input is null)
        {
            return null;
        }
        var list = input is IEnumerable<Hash> hashes && !string.IsNullOrEmpty(property)
            ? hashes.Cast<object?>().ToList()
            : input is IEnumerable items ? items.Flatten().Cast<object?>().ToList() : [input];
        FilterGuard.Out(filter, list);
        if (list.Count == 0)
        {
            return list;
        }
        Comparison<object?> compare = string.IsNullOrEmpty(property)
            ? (a, b) =>
            {
                RenderBudget.Step();
                return comparer.Compare(a, b);
            }
            : (a, b) =>
            {
                RenderBudget.Step();
                return comparer.Compare(Property(a, property), Property(b, property));
            };
        try
        {
            list.Sort(compare);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is RenderLimitException or OperationCanceledException)
        {
            // List.Sort wraps what a comparison throws; a bound that stopped the sort is reported as itself.
            ExceptionDispatchInfo.Throw(ex.InnerException!);
        }
        return list;
    }

    /// <summary>A member of a value as DotLiquid's sort finds it, for the kinds of values a render holds.</summary>
    private static object? Property(object? value, string property) => value switch
    {
        IDictionary dictionary when dictionary.Contains(property) => dictionary[property],
        IDictionary<string, object?> dictionary when dictionary.TryGetValue(property, out var member) => member,
        IIndexable indexable when indexable.ContainsKey(property) => indexable[property],
        _ => null,
    };

    private static long Occurrences(string input, string value)
    {
        long occurrences = 0;
        for (var at = input.IndexOf(value, StringComparison.Ordinal); at >= 0; at = input.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            occurrences++;
        }
        return occurrences;
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
        // Checked as it is written: the value may be a long array of long strings built by filters.
        RenderBudget.Step();
        FilterGuard.EnsureFits(writer.BytesCommitted + writer.BytesPending, "json");
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

using System.Collections;
using DotLiquid;

namespace Herald.Core.Templates;

// DotLiquid's standard filters that cannot grow a value much past their input, each wrapped in the
// render's checks (see TemplateFilters). A test compares this list with DotLiquid's StandardFilters,
// so a filter added by a DotLiquid upgrade cannot run unchecked.
internal static partial class TemplateFilters
{
    public static int Size(object? input)
    {
        FilterGuard.In("size", input);
        return FilterGuard.Out("size", StandardFilters.Size(input));
    }

    public static object? Slice(Context context, object? input, int offset, int length = 1)
    {
        FilterGuard.In("slice", input);
        return FilterGuard.Out("slice", StandardFilters.Slice(context, input, offset, length));
    }

    public static string? Downcase(string? input)
    {
        FilterGuard.In("downcase", input);
        return FilterGuard.Out("downcase", StandardFilters.Downcase(input));
    }

    public static string? Upcase(string? input)
    {
        FilterGuard.In("upcase", input);
        return FilterGuard.Out("upcase", StandardFilters.Upcase(input));
    }

    public static string? UrlDecode(string? input)
    {
        FilterGuard.In("url_decode", input);
        return FilterGuard.Out("url_decode", StandardFilters.UrlDecode(input));
    }

    public static string? Capitalize(Context context, string? input)
    {
        FilterGuard.In("capitalize", input);
        return FilterGuard.Out("capitalize", StandardFilters.Capitalize(context, input));
    }

    public static string? Truncate(string? input, int length = 50, string? truncateString = "...")
    {
        FilterGuard.In("truncate", input, truncateString);
        return FilterGuard.Out("truncate", StandardFilters.Truncate(input, length, truncateString));
    }

    public static string? TruncateWords(string? input, int words = 15, string? truncateString = "...")
    {
        FilterGuard.In("truncate_words", input, truncateString);
        return FilterGuard.Out("truncate_words", StandardFilters.TruncateWords(input, words, truncateString));
    }

    public static string? StripHtml(string? input)
    {
        FilterGuard.In("strip_html", input);
        return FilterGuard.Out("strip_html", StandardFilters.StripHtml(input));
    }

    public static string? Strip(string? input)
    {
        FilterGuard.In("strip", input);
        return FilterGuard.Out("strip", StandardFilters.Strip(input));
    }

    public static string? Lstrip(string? input)
    {
        FilterGuard.In("lstrip", input);
        return FilterGuard.Out("lstrip", StandardFilters.Lstrip(input));
    }

    public static string? Rstrip(string? input)
    {
        FilterGuard.In("rstrip", input);
        return FilterGuard.Out("rstrip", StandardFilters.Rstrip(input));
    }

    public static string? Currency(Context context, object? input, string? languageTag = null)
    {
        FilterGuard.In("currency", input, languageTag);
        return FilterGuard.Out("currency", StandardFilters.Currency(context, input, languageTag));
    }

    public static string? StripNewlines(string? input)
    {
        FilterGuard.In("strip_newlines", input);
        return FilterGuard.Out("strip_newlines", StandardFilters.StripNewlines(input));
    }

    public static IEnumerable? Map(IEnumerable? enumerableInput, string? property)
    {
        FilterGuard.In("map", enumerableInput, property);
        return FilterGuard.Out("map", StandardFilters.Map(enumerableInput, property));
    }

    public static string? ReplaceFirst(Context context, string? input, string? @string, string? replacement = "")
    {
        FilterGuard.In("replace_first", input, @string, replacement);
        return FilterGuard.Out("replace_first", StandardFilters.ReplaceFirst(context, input, @string, replacement));
    }

    public static string? Remove(string? input, string? @string)
    {
        FilterGuard.In("remove", input, @string);
        return FilterGuard.Out("remove", StandardFilters.Remove(input, @string));
    }

    public static string? RemoveFirst(Context context, string? input, string? @string)
    {
        FilterGuard.In("remove_first", input, @string);
        return FilterGuard.Out("remove_first", StandardFilters.RemoveFirst(context, input, @string));
    }

    public static object? First(IEnumerable? array)
    {
        FilterGuard.In("first", array);
        return FilterGuard.Out("first", StandardFilters.First(array));
    }

    public static object? Last(IEnumerable? array)
    {
        FilterGuard.In("last", array);
        return FilterGuard.Out("last", StandardFilters.Last(array));
    }

    public static object? Plus(Context context, object? input, object? operand)
    {
        FilterGuard.In("plus", input, operand);
        return FilterGuard.Out("plus", StandardFilters.Plus(context, input, operand));
    }

    public static object? Minus(Context context, object? input, object? operand)
    {
        FilterGuard.In("minus", input, operand);
        return FilterGuard.Out("minus", StandardFilters.Minus(context, input, operand));
    }

    public static object? Times(Context context, object? input, object? operand)
    {
        FilterGuard.In("times", input, operand);
        return FilterGuard.Out("times", StandardFilters.Times(context, input, operand));
    }

    public static object? Round(object? input, object? places = null)
    {
        FilterGuard.In("round", input, places);
        return FilterGuard.Out("round", StandardFilters.Round(input, places));
    }

    public static object? Ceil(Context context, object? input)
    {
        FilterGuard.In("ceil", input);
        return FilterGuard.Out("ceil", StandardFilters.Ceil(context, input));
    }

    public static object? Floor(Context context, object? input)
    {
        FilterGuard.In("floor", input);
        return FilterGuard.Out("floor", StandardFilters.Floor(context, input));
    }

    public static object? DividedBy(Context context, object? input, object? operand)
    {
        FilterGuard.In("divided_by", input, operand);
        return FilterGuard.Out("divided_by", StandardFilters.DividedBy(context, input, operand));
    }

    public static object? Modulo(Context context, object? input, object? operand)
    {
        FilterGuard.In("modulo", input, operand);
        return FilterGuard.Out("modulo", StandardFilters.Modulo(context, input, operand));
    }

    public static string? Default(string? input, string? defaultValue)
    {
        FilterGuard.In("default", input, defaultValue);
        return FilterGuard.Out("default", StandardFilters.Default(input, defaultValue));
    }

    public static IEnumerable? Uniq(object? input)
    {
        FilterGuard.In("uniq", input);
        return FilterGuard.Out("uniq", StandardFilters.Uniq(input));
    }

    public static double Abs(Context context, object? input)
    {
        FilterGuard.In("abs", input);
        return FilterGuard.Out("abs", StandardFilters.Abs(context, input));
    }

    public static object? AtLeast(Context context, object? input, object? atLeast)
    {
        FilterGuard.In("at_least", input, atLeast);
        return FilterGuard.Out("at_least", StandardFilters.AtLeast(context, input, atLeast));
    }

    public static object? AtMost(Context context, object? input, object? atMost)
    {
        FilterGuard.In("at_most", input, atMost);
        return FilterGuard.Out("at_most", StandardFilters.AtMost(context, input, atMost));
    }

    public static IEnumerable? Compact(object? input)
    {
        FilterGuard.In("compact", input);
        return FilterGuard.Out("compact", StandardFilters.Compact(input));
    }

    public static IEnumerable? Where(IEnumerable? input, string? propertyName, object? targetValue = null)
    {
        FilterGuard.In("where", input, propertyName, targetValue);
        return FilterGuard.Out("where", StandardFilters.Where(input, propertyName, targetValue));
    }

    public static IEnumerable? Concat(IEnumerable? left, IEnumerable? right)
    {
        FilterGuard.In("concat", left, right);
        return FilterGuard.Out("concat", StandardFilters.Concat(left, right));
    }

    public static IEnumerable? Reverse(IEnumerable? input)
    {
        FilterGuard.In("reverse", input);
        return FilterGuard.Out("reverse", StandardFilters.Reverse(input));
    }

    public static string? Base64Decode(string? input)
    {
        FilterGuard.In("base64_decode", input);
        return FilterGuard.Out("base64_decode", StandardFilters.Base64Decode(input));
    }

    public static string? Base64UrlSafeDecode(string? input)
    {
        FilterGuard.In("base64_url_safe_decode", input);
        return FilterGuard.Out("base64_url_safe_decode", StandardFilters.Base64UrlSafeDecode(input));
    }
}

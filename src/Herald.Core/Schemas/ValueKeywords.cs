using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Pointer;
using Json.Schema;

namespace Herald.Core.Schemas;

/// <summary><c>type</c>, deciding integers on the number's text: 1.0 and 1e2 are integers, 1.0000000000000000001 is not.</summary>
internal sealed class TypeKeyword : IKeywordHandler
{
    public string Name => "type";

    public object? ValidateKeywordValue(JsonElement value)
    {
        string[] names = value.ValueKind == JsonValueKind.String ? [value.GetString()!] : [.. value.EnumerateArray().Select(item => item.GetString()!)];
        return (names, names.Length == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1]);
    }

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        var (names, described) = ((string[], string))keyword.Value!;
        var value = context.Instance;
        foreach (var name in names)
        {
            var matches = name switch
            {
                "null" => value.ValueKind == JsonValueKind.Null,
                "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                "object" => value.ValueKind == JsonValueKind.Object,
                "array" => value.ValueKind == JsonValueKind.Array,
                "string" => value.ValueKind == JsonValueKind.String,
                "number" => value.ValueKind == JsonValueKind.Number,
                _ => value.ValueKind == JsonValueKind.Number && JsonValues.IsInteger(value),
            };
            if (matches)
            {
                return SchemaKeywords.Pass(Name);
            }
        }
        return SchemaKeywords.Fail(Name, $"must be of type {described}");
    }
}

/// <summary><c>enum</c> and <c>const</c>, with JSON equality whose numbers are <see cref="JsonNumbers"/>' (1 equals 1.0).</summary>
internal sealed class EqualityKeyword(string name) : IKeywordHandler
{
    public string Name => name;

    public object? ValidateKeywordValue(JsonElement value) => null;

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (name == "enum")
        {
            return keyword.RawValue.EnumerateArray().Any(allowed => JsonValues.AreEqual(allowed, context.Instance))
                ? SchemaKeywords.Pass(Name)
                : SchemaKeywords.Fail(Name, "is not one of the allowed values");
        }
        return JsonValues.AreEqual(keyword.RawValue, context.Instance)
            ? SchemaKeywords.Pass(Name)
            : SchemaKeywords.Fail(Name, $"must be {JsonValues.Truncate(keyword.RawValue.GetRawText())}");
    }
}

/// <summary>
/// <c>minimum</c>, <c>maximum</c> and their exclusive forms, compared exactly by <see cref="JsonNumbers"/>.
/// Draft 4's boolean <c>exclusiveMinimum</c> turns the <c>minimum</c> beside it exclusive.
/// </summary>
internal sealed class BoundKeyword(string name) : IKeywordHandler
{
    public string Name => name;

    public object? ValidateKeywordValue(JsonElement value) => null;

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
        if (keyword.RawValue.ValueKind != JsonValueKind.Number)
        {
            // Draft 4's boolean form: the bound itself is read from minimum or maximum.
            return;
        }
        var lower = name is "minimum" or "exclusiveMinimum";
        var exclusive = name.StartsWith("exclusive", StringComparison.Ordinal)
            || (context.LocalSchema.TryGetProperty(lower ? "exclusiveMinimum" : "exclusiveMaximum", out var draft4)
                && draft4.ValueKind == JsonValueKind.True);
        var text = keyword.RawValue.GetRawText();
        keyword.Value = (lower, exclusive, JsonMarshal.GetRawUtf8Value(keyword.RawValue).ToArray(),
            $"must be {(lower ? exclusive ? ">" : "≥" : exclusive ? "<" : "≤")} {text}");
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (keyword.Value is not (bool lower, bool exclusive, byte[] bound, string message) || context.Instance.ValueKind != JsonValueKind.Number)
        {
            return KeywordEvaluation.Ignore;
        }
        var order = JsonNumbers.Compare(JsonMarshal.GetRawUtf8Value(context.Instance), bound);
        var holds = lower ? (exclusive ? order > 0 : order >= 0) : (exclusive ? order < 0 : order <= 0);
        return holds ? SchemaKeywords.Pass(Name) : SchemaKeywords.Fail(Name, message);
    }
}

/// <summary><c>multipleOf</c>, decided exactly by <see cref="JsonNumbers.IsMultipleOf"/>: 0.3 is a multiple of 0.1.</summary>
internal sealed class MultipleOfKeyword : IKeywordHandler
{
    public string Name => "multipleOf";

    public object? ValidateKeywordValue(JsonElement value) => JsonMarshal.GetRawUtf8Value(value).ToArray();

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (context.Instance.ValueKind != JsonValueKind.Number)
        {
            return KeywordEvaluation.Ignore;
        }
        return JsonNumbers.IsMultipleOf(JsonMarshal.GetRawUtf8Value(context.Instance), (byte[])keyword.Value!)
            ? SchemaKeywords.Pass(Name)
            : SchemaKeywords.Fail(Name, $"must be a multiple of {keyword.RawValue.GetRawText()}");
    }
}

/// <summary><c>uniqueItems</c>, hashing by exact value so distinct numbers that round alike stay linear.</summary>
internal sealed class UniqueItemsKeyword : IKeywordHandler
{
    public string Name => "uniqueItems";

    public object? ValidateKeywordValue(JsonElement value) => value.GetBoolean();

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (!(bool)keyword.Value! || context.Instance.ValueKind != JsonValueKind.Array || context.Instance.GetArrayLength() < 2)
        {
            return KeywordEvaluation.Ignore;
        }
        var seen = new Dictionary<int, List<(int Index, JsonElement Item)>>();
        var index = 0;
        foreach (var item in context.Instance.EnumerateArray())
        {
            var hash = JsonValues.Hash(item);
            if (!seen.TryGetValue(hash, out var bucket))
            {
                seen[hash] = bucket = [];
            }
            foreach (var (earlier, other) in bucket)
            {
                if (JsonValues.AreEqual(other, item))
                {
                    return SchemaKeywords.Fail(Name, $"must not contain duplicates (items {earlier} and {index} are equal)");
                }
            }
            bucket.Add((index, item));
            index++;
        }
        return SchemaKeywords.Pass(Name);
    }
}

/// <summary><c>minLength</c> and <c>maxLength</c> in code points, as JSON Schema counts (the library counts text elements).</summary>
internal sealed class LengthKeyword(string name) : IKeywordHandler
{
    public string Name => name;

    public object? ValidateKeywordValue(JsonElement value) => Limits.Count(value);

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (context.Instance.ValueKind != JsonValueKind.String)
        {
            return KeywordEvaluation.Ignore;
        }
        var limit = (long)keyword.Value!;
        var length = JsonValues.CodePointLength(context.Instance.GetString()!);
        return name == "minLength"
            ? length >= limit ? SchemaKeywords.Pass(Name) : SchemaKeywords.Fail(Name, $"must be at least {limit} characters long")
            : length <= limit ? SchemaKeywords.Pass(Name) : SchemaKeywords.Fail(Name, $"must be at most {limit} characters long");
    }
}

/// <summary><c>pattern</c>, run by <see cref="SchemaPattern"/> (linear-time engine, or a timeout).</summary>
internal sealed class PatternKeyword : IKeywordHandler
{
    public string Name => "pattern";

    public object? ValidateKeywordValue(JsonElement value) => SchemaPattern.TryCreate(value.GetString()!, out _);

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (context.Instance.ValueKind != JsonValueKind.String)
        {
            return KeywordEvaluation.Ignore;
        }
        var pattern = (SchemaPattern)keyword.Value!;
        return Matches(pattern, context.Instance.GetString()!, context.InstanceLocation)
            ? SchemaKeywords.Pass(Name)
            : SchemaKeywords.Fail(Name, $"must match pattern {pattern.Text}");
    }

    public static bool Matches(SchemaPattern pattern, string input, JsonPointer at)
    {
        try
        {
            return pattern.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            throw new SchemaPatternTimeoutException(at, pattern.Text);
        }
    }
}

/// <summary><c>format</c>, asserted for the formats <see cref="SchemaFormats"/> knows and an annotation for the rest.</summary>
internal sealed class FormatKeyword : IKeywordHandler
{
    public string Name => "format";

    public object? ValidateKeywordValue(JsonElement value) => SchemaFormats.Find(value.GetString()!);

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (keyword.Value is not Func<string, bool> check || context.Instance.ValueKind != JsonValueKind.String)
        {
            return KeywordEvaluation.Ignore;
        }
        return check(context.Instance.GetString()!)
            ? SchemaKeywords.Pass(Name)
            : SchemaKeywords.Fail(Name, $"must be a valid {keyword.RawValue.GetString()}");
    }
}

/// <summary><c>minItems</c>, <c>maxItems</c>, <c>minProperties</c> and <c>maxProperties</c>.</summary>
internal sealed class CountKeyword(string name, JsonValueKind kind, string rule, string one, string many) : IKeywordHandler
{
    public string Name => name;

    public object? ValidateKeywordValue(JsonElement value) => Limits.Count(value);

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (context.Instance.ValueKind != kind)
        {
            return KeywordEvaluation.Ignore;
        }
        var limit = (long)keyword.Value!;
        var count = kind == JsonValueKind.Array ? context.Instance.GetArrayLength() : context.Instance.GetPropertyCount();
        var holds = name.StartsWith("min", StringComparison.Ordinal) ? count >= limit : count <= limit;
        return holds
            ? SchemaKeywords.Pass(Name)
            : SchemaKeywords.Fail(Name, string.Format(System.Globalization.CultureInfo.InvariantCulture, rule, limit, SchemaKeywords.Plural(limit, one, many)));
    }
}

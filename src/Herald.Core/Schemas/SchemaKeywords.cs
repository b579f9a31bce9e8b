using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Pointer;
using Json.Schema;
using Json.Schema.Keywords;

namespace Herald.Core.Schemas;

/// <summary>
/// Herald's JSON Schema dialect for JsonSchema.Net: the library's applicators and reference
/// resolution, with Herald's own rules where the library's differ (see docs/adr/0006).
/// </summary>
/// <remarks>
/// Keywords of drafts 04 to 2020-12 are read in one dialect, as Herald always has: array-form
/// <c>items</c> with <c>additionalItems</c>, <c>dependencies</c>, <c>definitions</c> and draft 4's
/// boolean <c>exclusiveMinimum</c> sit beside <c>prefixItems</c>, <c>dependentRequired</c> and
/// <c>$defs</c>. Numbers and JSON equality go through <see cref="JsonNumbers"/>, the rule payload
/// filters use; regular expressions through <see cref="SchemaPattern"/>; lengths count code points.
/// Every failing Herald keyword words its error as the violation message a publisher sees.
/// </remarks>
internal static class SchemaKeywords
{
    public static Dialect Dialect { get; } = new([
        // From the library, unchanged: applicators whose semantics Herald shares.
        PropertiesKeyword.Instance,
        PropertyNamesKeyword.Instance,
        DependentSchemasKeyword.Instance,
        IfKeyword.Instance,
        ThenKeyword.Instance,
        ElseKeyword.Instance,
        DefsKeyword.Instance,
        Json.Schema.Keywords.Draft06.DefinitionsKeyword.Instance,
        // The library's, taking any anchor name as Herald always has, counting steps and wording Herald's messages.
        new AnyAnchor(),
        new CountedRef(),
        new CountedAllOf(),
        new CountedAnyOf(),
        new CountedOneOf(),
        new CountedNot(),
        // Herald's.
        new InertKeyword("$id"),
        new TypeKeyword(),
        new EqualityKeyword("enum"),
        new EqualityKeyword("const"),
        new BoundKeyword("minimum"),
        new BoundKeyword("maximum"),
        new BoundKeyword("exclusiveMinimum"),
        new BoundKeyword("exclusiveMaximum"),
        new MultipleOfKeyword(),
        new LengthKeyword("minLength"),
        new LengthKeyword("maxLength"),
        new PatternKeyword(),
        new FormatKeyword(),
        new CountKeyword("minItems", JsonValueKind.Array, "must have at least {0} {1}", "item", "items"),
        new CountKeyword("maxItems", JsonValueKind.Array, "must have at most {0} {1}", "item", "items"),
        new CountKeyword("minProperties", JsonValueKind.Object, "must have at least {0} {1}", "property", "properties"),
        new CountKeyword("maxProperties", JsonValueKind.Object, "must have at most {0} {1}", "property", "properties"),
        new UniqueItemsKeyword(),
        new ItemsKeyword("prefixItems"),
        new ItemsKeyword("items"),
        new ItemsKeyword("additionalItems"),
        new ContainsKeyword(),
        new PatternPropertiesKeyword(),
        new AdditionalPropertiesKeyword(),
        new RequiredKeyword(),
        new DependentRequiredKeyword("dependentRequired"),
        new DependentRequiredKeyword("dependencies"),
    ])
    {
        // Herald evaluates $ref beside its siblings in every draft, as 2019-09 and later do.
        RefIgnoresSiblingKeywords = false,
        AllowUnknownKeywords = true,
    };

    internal static KeywordEvaluation Pass(string keyword) => new() { Keyword = keyword, IsValid = true };

    internal static KeywordEvaluation Fail(string keyword, string message) => new() { Keyword = keyword, IsValid = false, Error = message };

    internal static JsonPointer Child(JsonPointer pointer, string segment) => pointer.Combine(segment);

    internal static JsonPointer Child(JsonPointer pointer, int index) => pointer.Combine(index);

    internal static string Plural(long count, string one, string many) => count == 1 ? one : many;
}

/// <summary>
/// The work budget of one validation. anyOf/oneOf/not over references can make work exponential in
/// the schema's size; past <see cref="MaxSteps"/> the data is refused rather than the server kept busy.
/// </summary>
internal static class SchemaBudget
{
    // Counted where work can multiply: each $ref, allOf, anyOf, oneOf and not applied.
    public const int MaxSteps = 100_000;

    // Validation runs synchronously on the publishing thread, so the count is per thread.
    [ThreadStatic]
    private static int t_steps;

    public static void Reset() => t_steps = 0;

    public static void Step()
    {
        if (++t_steps > MaxSteps)
        {
            throw new SchemaBudgetExceededException();
        }
    }
}

/// <summary>Validation gave up; the data is refused, never waved through.</summary>
internal sealed class SchemaBudgetExceededException() : Exception("The schema took too many steps to check.");

/// <summary>A pattern needed the backtracking engine and ran out of time on this value.</summary>
internal sealed class SchemaPatternTimeoutException(JsonPointer instanceLocation, string pattern)
    : Exception($"Pattern {pattern} timed out.")
{
    public JsonPointer InstanceLocation { get; } = instanceLocation;

    public string Pattern { get; } = pattern;
}

/// <summary>
/// A keyword whose violations sit on named properties of the object (<c>required</c>): its error
/// lists them, one <c>name␟message</c> per line, and <see cref="SchemaReport"/> spreads them out.
/// </summary>
internal static class PropertyErrors
{
    public const char Separator = '\u001f';

    public static string Encode(IEnumerable<(string Property, string Message)> violations) =>
        string.Join('\n', violations.Select(v => v.Property.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + Separator + v.Message));

    public static IEnumerable<(string Property, string Message)> Decode(string error)
    {
        foreach (var line in error.Split('\n'))
        {
            var cut = line.LastIndexOf(Separator);
            yield return (Unescape(line[..cut]), line[(cut + 1)..]);
        }
    }

    private static string Unescape(string text)
    {
        if (!text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }
        var builder = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                builder.Append(text[++i] == 'n' ? '\n' : text[i]);
            }
            else
            {
                builder.Append(text[i]);
            }
        }
        return builder.ToString();
    }
}

/// <summary>Accepted and ignored: Herald resolves references within the one document itself.</summary>
internal sealed class InertKeyword(string name) : IKeywordHandler
{
    public string Name => name;

    public object? ValidateKeywordValue(JsonElement value) => null;

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context) => KeywordEvaluation.Ignore;
}

/// <summary>
/// <c>$anchor</c> with any name: Herald accepted names outside 2020-12's pattern before it used the
/// library, and a stored schema must not stop being enforced.
/// </summary>
internal sealed class AnyAnchor : AnchorKeyword
{
    public override object? ValidateKeywordValue(JsonElement value) => value.GetString();
}

internal sealed class CountedRef : RefKeyword
{
    public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        SchemaBudget.Step();
        return base.Evaluate(keyword, context);
    }
}

internal sealed class CountedAllOf : AllOfKeyword
{
    public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        SchemaBudget.Step();
        return base.Evaluate(keyword, context);
    }
}

internal sealed class CountedAnyOf : AnyOfKeyword
{
    public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        SchemaBudget.Step();
        var result = base.Evaluate(keyword, context);
        return result.IsValid ? result : result with { Error = "must match at least one of the schemas in anyOf" };
    }
}

internal sealed class CountedOneOf : OneOfKeyword
{
    public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        SchemaBudget.Step();
        var result = base.Evaluate(keyword, context);
        if (result.IsValid)
        {
            return result;
        }
        var matching = result.Details?.Count(detail => detail.IsValid) ?? 0;
        return result with { Error = $"must match exactly one of the schemas in oneOf, but matches {(matching == 0 ? "none" : matching)}" };
    }
}

internal sealed class CountedNot : NotKeyword
{
    public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        SchemaBudget.Step();
        var result = base.Evaluate(keyword, context);
        return result.IsValid ? result : result with { Error = "must not match the schema in not" };
    }
}

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

internal static class Limits
{
    // SchemaChecker has made sure this is a non-negative integer; beyond long range no data reaches it.
    public static long Count(JsonElement value) => value.TryGetDecimal(out var count) && count <= long.MaxValue ? (long)count : long.MaxValue;
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

/// <summary>
/// <c>prefixItems</c>, <c>items</c> and <c>additionalItems</c> of every draft: array-form
/// <c>items</c> is 2020-12's <c>prefixItems</c> (unless that is present), and the schema-form
/// <c>items</c> — or <c>additionalItems</c> after an array-form <c>items</c> — covers the rest.
/// </summary>
internal sealed class ItemsKeyword(string name) : IKeywordHandler
{
    public string Name => name;

    public object? ValidateKeywordValue(JsonElement value) => null;

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
        var local = context.LocalSchema;
        var hasPrefix = local.TryGetProperty("prefixItems", out var prefix);
        var hasItems = local.TryGetProperty("items", out var items);
        var tuple = hasPrefix ? prefix : hasItems && items.ValueKind == JsonValueKind.Array ? items : default(JsonElement?);
        var rest = hasItems && items.ValueKind != JsonValueKind.Array ? "items"
            : hasItems && local.TryGetProperty("additionalItems", out _) ? "additionalItems"
            : null;
        var role = keyword.RawValue.ValueKind == JsonValueKind.Array
            ? (name == "prefixItems" || !hasPrefix ? Role.Tuple : Role.None)
            : name == rest ? Role.Rest : Role.None;
        var start = tuple is { } t ? t.GetArrayLength() : 0;
        keyword.Value = (role, start);
        if (role == Role.Tuple)
        {
            var index = 0;
            keyword.Subschemas = [.. keyword.RawValue.EnumerateArray().Select(item =>
            {
                var child = context;
                child.LocalSchema = item;
                child.RelativePath = JsonPointer.Create(index++);
                return JsonSchema.BuildNode(child);
            })];
        }
        else if (role == Role.Rest)
        {
            var child = context;
            child.LocalSchema = keyword.RawValue;
            keyword.Subschemas = [JsonSchema.BuildNode(child)];
        }
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        var (role, start) = ((Role, int))keyword.Value!;
        if (role == Role.None || context.Instance.ValueKind != JsonValueKind.Array)
        {
            return KeywordEvaluation.Ignore;
        }
        var details = new List<EvaluationResults>();
        var index = 0;
        foreach (var item in context.Instance.EnumerateArray())
        {
            var schema = role == Role.Tuple
                ? (index < keyword.Subschemas.Length ? keyword.Subschemas[index] : null)
                : (index >= start ? keyword.Subschemas[0] : null);
            if (schema is not null)
            {
                var child = context with { Instance = item, InstanceLocation = SchemaKeywords.Child(context.InstanceLocation, index), EvaluationPath = role == Role.Tuple
                    ? SchemaKeywords.Child(SchemaKeywords.Child(context.EvaluationPath, Name), index)
                    : SchemaKeywords.Child(context.EvaluationPath, Name) };
                details.Add(schema.Evaluate(child));
            }
            index++;
        }
        return new KeywordEvaluation { Keyword = Name, IsValid = details.TrueForAll(d => d.IsValid), Details = [.. details] };
    }

    private enum Role
    {
        None,
        Tuple,
        Rest,
    }
}

/// <summary><c>contains</c> with the <c>minContains</c> and <c>maxContains</c> beside it.</summary>
internal sealed class ContainsKeyword : IKeywordHandler
{
    public string Name => "contains";

    public object? ValidateKeywordValue(JsonElement value) => null;

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
        var child = context;
        child.LocalSchema = keyword.RawValue;
        keyword.Subschemas = [JsonSchema.BuildNode(child)];
        var min = context.LocalSchema.TryGetProperty("minContains", out var minimum) ? Limits.Count(minimum) : 1;
        long? max = context.LocalSchema.TryGetProperty("maxContains", out var maximum) ? Limits.Count(maximum) : null;
        keyword.Value = (min, max);
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (context.Instance.ValueKind != JsonValueKind.Array)
        {
            return KeywordEvaluation.Ignore;
        }
        var (min, max) = ((long, long?))keyword.Value!;
        var containing = 0;
        var index = 0;
        foreach (var item in context.Instance.EnumerateArray())
        {
            var child = context with { Instance = item, InstanceLocation = SchemaKeywords.Child(context.InstanceLocation, index++), EvaluationPath = SchemaKeywords.Child(context.EvaluationPath, Name) };
            if (keyword.Subschemas[0].Evaluate(child).IsValid)
            {
                containing++;
            }
        }
        if (containing < min)
        {
            return SchemaKeywords.Fail(Name, $"must contain at least {min} {SchemaKeywords.Plural(min, "item", "items")} matching the contains schema");
        }
        if (containing > max)
        {
            return SchemaKeywords.Fail(Name, $"must contain at most {max} {SchemaKeywords.Plural(max.Value, "item", "items")} matching the contains schema");
        }
        return SchemaKeywords.Pass(Name);
    }
}

/// <summary><c>patternProperties</c>, matched by <see cref="SchemaPattern"/>; it names what it matched for <c>additionalProperties</c>.</summary>
internal sealed class PatternPropertiesKeyword : IKeywordHandler
{
    public string Name => "patternProperties";

    public object? ValidateKeywordValue(JsonElement value) => null;

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
        var patterns = new List<SchemaPattern>();
        var nodes = new List<JsonSchemaNode>();
        foreach (var entry in keyword.RawValue.EnumerateObject())
        {
            var child = context;
            child.LocalSchema = entry.Value;
            child.RelativePath = JsonPointer.Create(entry.Name);
            nodes.Add(JsonSchema.BuildNode(child));
            patterns.Add(SchemaPattern.TryCreate(entry.Name, out _)!);
        }
        keyword.Subschemas = [.. nodes];
        keyword.Value = patterns.ToArray();
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (context.Instance.ValueKind != JsonValueKind.Object)
        {
            return KeywordEvaluation.Ignore;
        }
        var patterns = (SchemaPattern[])keyword.Value!;
        var details = new List<EvaluationResults>();
        foreach (var property in context.Instance.EnumerateObject())
        {
            var at = SchemaKeywords.Child(context.InstanceLocation, property.Name);
            for (var i = 0; i < patterns.Length; i++)
            {
                if (PatternKeyword.Matches(patterns[i], property.Name, at))
                {
                    var child = context with { Instance = property.Value, InstanceLocation = at, EvaluationPath = SchemaKeywords.Child(SchemaKeywords.Child(context.EvaluationPath, Name), patterns[i].Text) };
                    details.Add(keyword.Subschemas[i].Evaluate(child));
                }
            }
        }
        return new KeywordEvaluation { Keyword = Name, IsValid = details.TrueForAll(d => d.IsValid), Details = [.. details] };
    }
}

/// <summary>
/// <c>additionalProperties</c>: applies to the properties that neither <c>properties</c> nor a
/// <c>patternProperties</c> pattern (run by <see cref="SchemaPattern"/>) describes.
/// </summary>
internal sealed class AdditionalPropertiesKeyword : IKeywordHandler
{
    public string Name => "additionalProperties";

    public object? ValidateKeywordValue(JsonElement value) => null;

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
        var child = context;
        child.LocalSchema = keyword.RawValue;
        keyword.Subschemas = [JsonSchema.BuildNode(child)];
        var named = new HashSet<string>(StringComparer.Ordinal);
        if (context.LocalSchema.TryGetProperty("properties", out var properties))
        {
            named.UnionWith(properties.EnumerateObject().Select(p => p.Name));
        }
        SchemaPattern[] patterns = context.LocalSchema.TryGetProperty("patternProperties", out var patternProperties)
            ? [.. patternProperties.EnumerateObject().Select(p => SchemaPattern.TryCreate(p.Name, out _)!)]
            : [];
        keyword.Value = (named, patterns);
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (context.Instance.ValueKind != JsonValueKind.Object)
        {
            return KeywordEvaluation.Ignore;
        }
        var (named, patterns) = ((HashSet<string>, SchemaPattern[]))keyword.Value!;
        var details = new List<EvaluationResults>();
        foreach (var property in context.Instance.EnumerateObject())
        {
            var at = SchemaKeywords.Child(context.InstanceLocation, property.Name);
            if (named.Contains(property.Name) || patterns.Any(pattern => PatternKeyword.Matches(pattern, property.Name, at)))
            {
                continue;
            }
            var child = context with { Instance = property.Value, InstanceLocation = at, EvaluationPath = SchemaKeywords.Child(context.EvaluationPath, Name) };
            details.Add(keyword.Subschemas[0].Evaluate(child));
        }
        return new KeywordEvaluation { Keyword = Name, IsValid = details.TrueForAll(d => d.IsValid), Details = [.. details] };
    }
}

/// <summary><c>required</c>: each missing property is its own violation, at that property's path.</summary>
internal sealed class RequiredKeyword : IKeywordHandler
{
    public string Name => "required";

    public object? ValidateKeywordValue(JsonElement value) => value.EnumerateArray().Select(name => name.GetString()!).ToArray();

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (context.Instance.ValueKind != JsonValueKind.Object)
        {
            return KeywordEvaluation.Ignore;
        }
        var instance = context.Instance;
        var missing = ((string[])keyword.Value!).Where(name => !instance.TryGetProperty(name, out _)).ToList();
        return missing.Count == 0
            ? SchemaKeywords.Pass(Name)
            : SchemaKeywords.Fail(Name, PropertyErrors.Encode(missing.Select(name => (name, "is required"))));
    }
}

/// <summary>
/// <c>dependentRequired</c>, and <c>dependencies</c> of drafts 4 to 7, whose array entries mean the
/// same and whose schema entries mean <c>dependentSchemas</c>.
/// </summary>
internal sealed class DependentRequiredKeyword(string name) : IKeywordHandler
{
    public string Name => name;

    public object? ValidateKeywordValue(JsonElement value) => null;

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
        var required = new List<(string Trigger, string[] Names)>();
        var schemas = new List<string>();
        var nodes = new List<JsonSchemaNode>();
        foreach (var entry in keyword.RawValue.EnumerateObject())
        {
            if (entry.Value.ValueKind == JsonValueKind.Array)
            {
                required.Add((entry.Name, [.. entry.Value.EnumerateArray().Select(n => n.GetString()!)]));
            }
            else
            {
                var child = context;
                child.LocalSchema = entry.Value;
                child.RelativePath = JsonPointer.Create(entry.Name);
                nodes.Add(JsonSchema.BuildNode(child));
                schemas.Add(entry.Name);
            }
        }
        keyword.Subschemas = [.. nodes];
        keyword.Value = (required, schemas);
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        if (context.Instance.ValueKind != JsonValueKind.Object)
        {
            return KeywordEvaluation.Ignore;
        }
        var instance = context.Instance;
        var (required, schemas) = ((List<(string Trigger, string[] Names)>, List<string>))keyword.Value!;
        var missing = new List<(string, string)>();
        foreach (var (trigger, names) in required)
        {
            if (instance.TryGetProperty(trigger, out _))
            {
                missing.AddRange(names.Where(n => !instance.TryGetProperty(n, out _)).Select(n => (n, $"is required when {trigger} is present")));
            }
        }
        var details = new List<EvaluationResults>();
        for (var i = 0; i < schemas.Count; i++)
        {
            if (instance.TryGetProperty(schemas[i], out _))
            {
                var child = context with { EvaluationPath = SchemaKeywords.Child(SchemaKeywords.Child(context.EvaluationPath, Name), schemas[i]) };
                details.Add(keyword.Subschemas[i].Evaluate(child));
            }
        }
        return new KeywordEvaluation
        {
            Keyword = Name,
            IsValid = missing.Count == 0 && details.TrueForAll(d => d.IsValid),
            Details = [.. details],
            Error = missing.Count == 0 ? null : PropertyErrors.Encode(missing),
        };
    }
}

using System.Text.Json;
using Json.Pointer;
using Json.Schema;

namespace Herald.Core.Schemas;

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

using System.Text.Json;
using Json.Pointer;
using Json.Schema;

namespace Herald.Core.Schemas;

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

using System.Globalization;
using System.Text.Json;
using Json.Pointer;
using Json.Schema;

namespace Herald.Core.Schemas;

/// <summary>
/// Turns the library's hierarchical evaluation results into Herald's violations: one per failing
/// assertion, at a path such as <c>data.records[0].uid</c>, in the order Herald has always reported
/// them (the value's own keywords first, then its parts in document order, then the combinators).
/// </summary>
/// <remarks>
/// anyOf, oneOf, not, if and contains only need a verdict, so what failed inside them is not
/// reported: the keyword's own message says what the value must do.
/// </remarks>
internal sealed class SchemaReport(JsonElement data)
{
    // The keywords whose subschemas' violations are the value's own.
    private static readonly HashSet<string> Descend = new(StringComparer.Ordinal)
    {
        "$ref", "properties", "patternProperties", "additionalProperties", "prefixItems", "items",
        "additionalItems", "dependentSchemas", "dependencies", "allOf", "then", "else",
    };

    private static readonly Dictionary<string, int> Rank = new(StringComparer.Ordinal)
    {
        ["$ref"] = 0, ["type"] = 1, ["enum"] = 2, ["const"] = 3,
        ["minimum"] = 4, ["exclusiveMinimum"] = 5, ["maximum"] = 6, ["exclusiveMaximum"] = 7, ["multipleOf"] = 8,
        ["minLength"] = 9, ["maxLength"] = 10, ["pattern"] = 11, ["format"] = 12,
        ["minItems"] = 13, ["maxItems"] = 14, ["prefixItems"] = 15, ["items"] = 15, ["additionalItems"] = 15,
        ["contains"] = 16, ["uniqueItems"] = 17,
        ["required"] = 18, ["properties"] = 19, ["patternProperties"] = 19, ["additionalProperties"] = 19, ["propertyNames"] = 19,
        ["minProperties"] = 20, ["maxProperties"] = 21, ["dependentRequired"] = 22, ["dependencies"] = 22, ["dependentSchemas"] = 23,
        ["allOf"] = 24, ["anyOf"] = 25, ["oneOf"] = 26, ["not"] = 27, ["then"] = 28, ["else"] = 28,
    };

    private static readonly Dictionary<string, int> WithinProperty = new(StringComparer.Ordinal)
    {
        ["properties"] = 0, ["patternProperties"] = 1, ["additionalProperties"] = 2, ["propertyNames"] = 3,
    };

    public List<SchemaViolation> Violations { get; } = [];

    public void Add(EvaluationResults result)
    {
        foreach (var violation in Collect(result))
        {
            if (Violations.Count >= EventSchema.MaxViolations)
            {
                return;
            }
            Violations.Add(violation);
        }
    }

    /// <summary>Where <paramref name="location"/> is in the published body, e.g. <c>data.items[2]</c>.</summary>
    public string PathOf(JsonPointer location)
    {
        var path = "data";
        var value = data;
        foreach (var segment in Segments(location))
        {
            if (value.ValueKind == JsonValueKind.Array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                path = JsonValues.AppendIndex(path, index);
                value = index < value.GetArrayLength() ? value[index] : default;
            }
            else
            {
                path = JsonValues.AppendProperty(path, segment);
                value = value.ValueKind == JsonValueKind.Object && value.TryGetProperty(segment, out var child) ? child : default;
            }
        }
        return path;
    }

    private IEnumerable<SchemaViolation> Collect(EvaluationResults result)
    {
        if (result.IsValid)
        {
            return [];
        }
        var here = PathOf(result.InstanceLocation);
        if (result.Errors is { } falseSchema && falseSchema.ContainsKey(""))
        {
            return [new SchemaViolation(here, "is not allowed")];
        }

        var found = new List<(int Rank, int Order, int Within, IEnumerable<SchemaViolation> Violations)>();
        foreach (var (keyword, error) in result.Errors ?? [])
        {
            var rank = Rank.GetValueOrDefault(keyword, int.MaxValue);
            if (keyword is "required" or "dependentRequired" or "dependencies")
            {
                foreach (var (property, message) in PropertyErrors.Decode(error))
                {
                    found.Add((rank, 0, 0, [new SchemaViolation(JsonValues.AppendProperty(here, property), message)]));
                }
            }
            else
            {
                found.Add((rank, 0, 0, [new SchemaViolation(here, error)]));
            }
        }

        var parentDepth = Segments(result.EvaluationPath).Count;
        Dictionary<string, int>? propertyOrder = null;
        foreach (var detail in result.Details ?? [])
        {
            if (detail.IsValid)
            {
                continue;
            }
            var keyword = Segments(detail.EvaluationPath)[parentDepth];
            var rank = Rank.GetValueOrDefault(keyword, int.MaxValue);
            var order = 0;
            var within = 0;
            if (WithinProperty.TryGetValue(keyword, out within) || rank == Rank["items"])
            {
                var last = Segments(detail.InstanceLocation)[^1];
                if (rank == Rank["items"])
                {
                    order = int.Parse(last, NumberStyles.None, CultureInfo.InvariantCulture);
                }
                else
                {
                    propertyOrder ??= PropertyOrder(result.InstanceLocation);
                    order = propertyOrder.GetValueOrDefault(last);
                }
            }
            if (keyword == "propertyNames")
            {
                found.Add((rank, order, within, [new SchemaViolation(PathOf(detail.InstanceLocation), "is not an allowed property name")]));
            }
            else if (Descend.Contains(keyword))
            {
                found.Add((rank, order, within, Collect(detail)));
            }
        }
        // A stable sort keeps equal keys in the order the library produced them.
        return found.OrderBy(f => f.Rank).ThenBy(f => f.Order).ThenBy(f => f.Within).SelectMany(f => f.Violations);
    }

    private Dictionary<string, int> PropertyOrder(JsonPointer location)
    {
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        if (location.Evaluate(data) is { ValueKind: JsonValueKind.Object } value)
        {
            foreach (var property in value.EnumerateObject())
            {
                order.TryAdd(property.Name, order.Count);
            }
        }
        return order;
    }

    private static List<string> Segments(JsonPointer pointer)
    {
        var text = pointer.ToString();
        if (text.Length == 0)
        {
            return [];
        }
        return [.. text[1..].Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
    }
}

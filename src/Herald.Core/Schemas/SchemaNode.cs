using System.Text.Json;
using System.Text.RegularExpressions;

namespace Herald.Core.Schemas;

[Flags]
internal enum JsonTypes
{
    None = 0,
    Null = 1,
    Boolean = 2,
    Object = 4,
    Array = 8,
    Number = 16,
    Integer = 32,
    String = 64,
}

/// <summary>The state of one validation: shared by every branch so budgets hold across anyOf/oneOf trials.</summary>
internal sealed class Evaluation
{
    // anyOf/oneOf/not over references can make work exponential in the schema's size; past this
    // many subschema visits the data is refused rather than the server kept busy.
    public const int MaxSteps = 1_000_000;

    // Backstop for the call stack; compiled schemas and parsed data are already bounded.
    public const int MaxDepth = 512;

    public List<SchemaViolation> Violations { get; } = [];

    public int Steps { get; set; }

    /// <summary>Why validation gave up; the data is then refused, never waved through.</summary>
    public SchemaViolation? Abort { get; set; }

    public bool Full => Violations.Count >= EventSchema.MaxViolations;
}

/// <summary>
/// One compiled subschema. Written only by <see cref="SchemaCompiler"/>, then never mutated, so a
/// compiled tree is safe to evaluate from many threads.
/// </summary>
internal sealed class SchemaNode(string path)
{
    /// <summary>Where this subschema sits in the schema document, for compile errors.</summary>
    public string Path { get; } = path;

    /// <summary>Set for the boolean schemas <c>true</c> and <c>false</c>.</summary>
    public bool? Always { get; set; }

    public SchemaNode? Ref { get; set; }

    public JsonTypes Types { get; set; }

    public string? TypeNames { get; set; }

    public JsonElement[]? Enum { get; set; }

    public JsonElement? Const { get; set; }

    public SchemaNumber? Minimum { get; set; }

    public SchemaNumber? Maximum { get; set; }

    public SchemaNumber? ExclusiveMinimum { get; set; }

    public SchemaNumber? ExclusiveMaximum { get; set; }

    public SchemaNumber? MultipleOf { get; set; }

    public int? MinLength { get; set; }

    public int? MaxLength { get; set; }

    public SchemaPattern? Pattern { get; set; }

    public string? Format { get; set; }

    public Func<string, bool>? FormatCheck { get; set; }

    public SchemaNode[]? PrefixItems { get; set; }

    /// <summary>Applies to the items after <see cref="PrefixItems"/> (all of them when there is no prefix).</summary>
    public SchemaNode? Items { get; set; }

    public SchemaNode? Contains { get; set; }

    public int? MinContains { get; set; }

    public int? MaxContains { get; set; }

    public int? MinItems { get; set; }

    public int? MaxItems { get; set; }

    public bool UniqueItems { get; set; }

    public Dictionary<string, SchemaNode>? Properties { get; set; }

    public string[]? Required { get; set; }

    public List<(SchemaPattern Pattern, SchemaNode Schema)>? PatternProperties { get; set; }

    public SchemaNode? AdditionalProperties { get; set; }

    public SchemaNode? PropertyNames { get; set; }

    public int? MinProperties { get; set; }

    public int? MaxProperties { get; set; }

    public Dictionary<string, string[]>? DependentRequired { get; set; }

    public Dictionary<string, SchemaNode>? DependentSchemas { get; set; }

    public SchemaNode[]? AllOf { get; set; }

    public SchemaNode[]? AnyOf { get; set; }

    public SchemaNode[]? OneOf { get; set; }

    public SchemaNode? Not { get; set; }

    public SchemaNode? If { get; set; }

    public SchemaNode? Then { get; set; }

    public SchemaNode? Else { get; set; }

    /// <summary>Subschemas applied to the same value rather than to a part of it; a cycle through these never ends.</summary>
    public IEnumerable<SchemaNode> InPlace()
    {
        if (Ref is not null)
        {
            yield return Ref;
        }
        foreach (var group in new[] { AllOf, AnyOf, OneOf })
        {
            foreach (var node in group ?? [])
            {
                yield return node;
            }
        }
        foreach (var node in new[] { Not, If, Then, Else })
        {
            if (node is not null)
            {
                yield return node;
            }
        }
        foreach (var node in DependentSchemas?.Values ?? Enumerable.Empty<SchemaNode>())
        {
            yield return node;
        }
    }

    /// <summary>
    /// Checks <paramref name="value"/>; with <paramref name="collect"/> every violation is recorded,
    /// without it the walk stops at the first one (anyOf, oneOf, not and if only need a verdict).
    /// </summary>
    public bool Evaluate(JsonElement value, DataPath path, Evaluation evaluation, bool collect, int depth)
    {
        if (evaluation.Abort is not null)
        {
            return false;
        }
        if (++evaluation.Steps > Evaluation.MaxSteps || depth > Evaluation.MaxDepth)
        {
            evaluation.Abort = new SchemaViolation(DataPath.Root.ToString(), "is too complex to check against this event type's schema");
            return false;
        }
        if (Always is { } always)
        {
            if (!always)
            {
                Fail(evaluation, collect, path, "is not allowed");
            }
            return always;
        }

        var valid = true;
        if (Ref is not null && !Ref.Evaluate(value, path, evaluation, collect, depth + 1))
        {
            valid = false;
            if (!Continue(evaluation, collect))
            {
                return false;
            }
        }
        if (!EvaluateValue(value, path, evaluation, collect, ref valid))
        {
            return false;
        }
        var keepGoing = value.ValueKind switch
        {
            JsonValueKind.Number => EvaluateNumber(value, path, evaluation, collect, ref valid),
            JsonValueKind.String => EvaluateString(value, path, evaluation, collect, ref valid),
            JsonValueKind.Array => EvaluateArray(value, path, evaluation, collect, depth, ref valid),
            JsonValueKind.Object => EvaluateObject(value, path, evaluation, collect, depth, ref valid),
            _ => true,
        };
        return keepGoing && EvaluateCombinators(value, path, evaluation, collect, depth, ref valid) && valid;
    }

    private bool EvaluateValue(JsonElement value, DataPath path, Evaluation evaluation, bool collect, ref bool valid)
    {
        if (Types != JsonTypes.None && (Types & TypeOf(value)) == 0
            && !Fail(evaluation, collect, path, $"must be of type {TypeNames}", ref valid))
        {
            return false;
        }
        if (Enum is not null && !Enum.Any(allowed => JsonValues.AreEqual(allowed, value))
            && !Fail(evaluation, collect, path, "is not one of the allowed values", ref valid))
        {
            return false;
        }
        if (Const is { } constant && !JsonValues.AreEqual(constant, value)
            && !Fail(evaluation, collect, path, $"must be {JsonValues.Truncate(constant.GetRawText())}", ref valid))
        {
            return false;
        }
        return true;
    }

    private JsonTypes TypeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => JsonTypes.Null,
        JsonValueKind.True or JsonValueKind.False => JsonTypes.Boolean,
        JsonValueKind.Object => JsonTypes.Object,
        JsonValueKind.Array => JsonTypes.Array,
        JsonValueKind.String => JsonTypes.String,
        // The integer test reads the number's text, so it is made only when it decides the outcome.
        JsonValueKind.Number => (Types & (JsonTypes.Integer | JsonTypes.Number)) == JsonTypes.Integer && JsonValues.IsInteger(value)
            ? JsonTypes.Number | JsonTypes.Integer
            : JsonTypes.Number,
        _ => JsonTypes.None,
    };

    private bool EvaluateNumber(JsonElement value, DataPath path, Evaluation evaluation, bool collect, ref bool valid)
    {
        if (Minimum is { } minimum && minimum.Compare(value) < 0
            && !Fail(evaluation, collect, path, $"must be ≥ {minimum.Text}", ref valid))
        {
            return false;
        }
        if (ExclusiveMinimum is { } exclusiveMinimum && exclusiveMinimum.Compare(value) <= 0
            && !Fail(evaluation, collect, path, $"must be > {exclusiveMinimum.Text}", ref valid))
        {
            return false;
        }
        if (Maximum is { } maximum && maximum.Compare(value) > 0
            && !Fail(evaluation, collect, path, $"must be ≤ {maximum.Text}", ref valid))
        {
            return false;
        }
        if (ExclusiveMaximum is { } exclusiveMaximum && exclusiveMaximum.Compare(value) >= 0
            && !Fail(evaluation, collect, path, $"must be < {exclusiveMaximum.Text}", ref valid))
        {
            return false;
        }
        if (MultipleOf is { } multipleOf && !multipleOf.Divides(value)
            && !Fail(evaluation, collect, path, $"must be a multiple of {multipleOf.Text}", ref valid))
        {
            return false;
        }
        return true;
    }

    private bool EvaluateString(JsonElement value, DataPath path, Evaluation evaluation, bool collect, ref bool valid)
    {
        var text = value.GetString()!;
        if (MinLength is not null || MaxLength is not null)
        {
            var length = JsonValues.CodePointLength(text);
            if (length < MinLength
                && !Fail(evaluation, collect, path, $"must be at least {MinLength} characters long", ref valid))
            {
                return false;
            }
            if (length > MaxLength
                && !Fail(evaluation, collect, path, $"must be at most {MaxLength} characters long", ref valid))
            {
                return false;
            }
        }
        if (Pattern is not null)
        {
            if (!TryMatch(Pattern, text, path, evaluation, out var matches))
            {
                return false;
            }
            if (!matches && !Fail(evaluation, collect, path, $"must match pattern {Pattern.Text}", ref valid))
            {
                return false;
            }
        }
        if (FormatCheck is not null && !FormatCheck(text)
            && !Fail(evaluation, collect, path, $"must be a valid {Format}", ref valid))
        {
            return false;
        }
        return true;
    }

    private bool EvaluateArray(JsonElement value, DataPath path, Evaluation evaluation, bool collect, int depth, ref bool valid)
    {
        var count = value.GetArrayLength();
        if (count < MinItems && !Fail(evaluation, collect, path, $"must have at least {MinItems} {Plural(MinItems.Value, "item")}", ref valid))
        {
            return false;
        }
        if (count > MaxItems && !Fail(evaluation, collect, path, $"must have at most {MaxItems} {Plural(MaxItems.Value, "item")}", ref valid))
        {
            return false;
        }

        var index = 0;
        var containing = 0;
        foreach (var item in value.EnumerateArray())
        {
            var schema = PrefixItems is not null && index < PrefixItems.Length ? PrefixItems[index] : Items;
            if (schema is not null && !schema.Evaluate(item, path.Index(index), evaluation, collect, depth + 1))
            {
                valid = false;
                if (!Continue(evaluation, collect))
                {
                    return false;
                }
            }
            if (Contains is not null)
            {
                if (Contains.Evaluate(item, path.Index(index), evaluation, collect: false, depth + 1))
                {
                    containing++;
                }
                else if (evaluation.Abort is not null)
                {
                    return false;
                }
            }
            index++;
        }

        if (Contains is not null)
        {
            var atLeast = MinContains ?? 1;
            if (containing < atLeast
                && !Fail(evaluation, collect, path, $"must contain at least {atLeast} {Plural(atLeast, "item")} matching the contains schema", ref valid))
            {
                return false;
            }
            if (containing > MaxContains
                && !Fail(evaluation, collect, path, $"must contain at most {MaxContains} {Plural(MaxContains.Value, "item")} matching the contains schema", ref valid))
            {
                return false;
            }
        }

        if (UniqueItems && count > 1)
        {
            var seen = new Dictionary<int, List<(int Index, JsonElement Item)>>();
            index = 0;
            foreach (var item in value.EnumerateArray())
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
                        return Fail(evaluation, collect, path, $"must not contain duplicates (items {earlier} and {index} are equal)", ref valid);
                    }
                }
                bucket.Add((index, item));
                index++;
            }
        }
        return true;
    }

    private bool EvaluateObject(JsonElement value, DataPath path, Evaluation evaluation, bool collect, int depth, ref bool valid)
    {
        foreach (var name in Required ?? [])
        {
            if (!value.TryGetProperty(name, out _) && !Fail(evaluation, collect, path.Property(name), "is required", ref valid))
            {
                return false;
            }
        }

        var count = 0;
        foreach (var property in value.EnumerateObject())
        {
            count++;
            var propertyPath = path.Property(property.Name);
            var described = false;
            if (Properties is not null && Properties.TryGetValue(property.Name, out var schema))
            {
                described = true;
                if (!Child(schema, property.Value, propertyPath, evaluation, collect, depth, ref valid))
                {
                    return false;
                }
            }
            foreach (var (pattern, patternSchema) in PatternProperties ?? [])
            {
                if (!TryMatch(pattern, property.Name, propertyPath, evaluation, out var matches))
                {
                    return false;
                }
                if (matches)
                {
                    described = true;
                    if (!Child(patternSchema, property.Value, propertyPath, evaluation, collect, depth, ref valid))
                    {
                        return false;
                    }
                }
            }
            if (!described && AdditionalProperties is not null
                && !Child(AdditionalProperties, property.Value, propertyPath, evaluation, collect, depth, ref valid))
            {
                return false;
            }
            if (PropertyNames is not null)
            {
                var name = JsonSerializer.SerializeToElement(property.Name);
                if (!PropertyNames.Evaluate(name, propertyPath, evaluation, collect: false, depth + 1)
                    && (evaluation.Abort is not null || !Fail(evaluation, collect, propertyPath, "is not an allowed property name", ref valid)))
                {
                    return false;
                }
            }
        }

        if (count < MinProperties
            && !Fail(evaluation, collect, path, $"must have at least {MinProperties} {Plural(MinProperties.Value, "property", "properties")}", ref valid))
        {
            return false;
        }
        if (count > MaxProperties
            && !Fail(evaluation, collect, path, $"must have at most {MaxProperties} {Plural(MaxProperties.Value, "property", "properties")}", ref valid))
        {
            return false;
        }

        foreach (var (trigger, names) in DependentRequired ?? [])
        {
            if (!value.TryGetProperty(trigger, out _))
            {
                continue;
            }
            foreach (var name in names)
            {
                if (!value.TryGetProperty(name, out _)
                    && !Fail(evaluation, collect, path.Property(name), $"is required when {trigger} is present", ref valid))
                {
                    return false;
                }
            }
        }
        foreach (var (trigger, schema) in DependentSchemas ?? [])
        {
            if (value.TryGetProperty(trigger, out _) && !Child(schema, value, path, evaluation, collect, depth, ref valid))
            {
                return false;
            }
        }
        return true;
    }

    private bool EvaluateCombinators(JsonElement value, DataPath path, Evaluation evaluation, bool collect, int depth, ref bool valid)
    {
        foreach (var schema in AllOf ?? [])
        {
            if (!Child(schema, value, path, evaluation, collect, depth, ref valid))
            {
                return false;
            }
        }
        if (AnyOf is not null)
        {
            var any = false;
            foreach (var schema in AnyOf)
            {
                if (schema.Evaluate(value, path, evaluation, collect: false, depth + 1))
                {
                    any = true;
                    break;
                }
            }
            if (evaluation.Abort is not null
                || (!any && !Fail(evaluation, collect, path, "must match at least one of the schemas in anyOf", ref valid)))
            {
                return false;
            }
        }
        if (OneOf is not null)
        {
            var matching = 0;
            foreach (var schema in OneOf)
            {
                // Every branch must be tried: a second match is as wrong as none.
                if (schema.Evaluate(value, path, evaluation, collect: false, depth + 1))
                {
                    matching++;
                }
            }
            if (evaluation.Abort is not null
                || (matching != 1 && !Fail(evaluation, collect, path, $"must match exactly one of the schemas in oneOf, but matches {(matching == 0 ? "none" : matching)}", ref valid)))
            {
                return false;
            }
        }
        if (Not is not null)
        {
            var matches = Not.Evaluate(value, path, evaluation, collect: false, depth + 1);
            if (evaluation.Abort is not null
                || (matches && !Fail(evaluation, collect, path, "must not match the schema in not", ref valid)))
            {
                return false;
            }
        }
        if (If is not null)
        {
            var condition = If.Evaluate(value, path, evaluation, collect: false, depth + 1);
            if (evaluation.Abort is not null)
            {
                return false;
            }
            var branch = condition ? Then : Else;
            if (branch is not null && !Child(branch, value, path, evaluation, collect, depth, ref valid))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Evaluates a subschema; false when the caller must stop.</summary>
    private static bool Child(SchemaNode schema, JsonElement value, DataPath path, Evaluation evaluation, bool collect, int depth, ref bool valid)
    {
        if (schema.Evaluate(value, path, evaluation, collect, depth + 1))
        {
            return true;
        }
        valid = false;
        return Continue(evaluation, collect);
    }

    private static bool TryMatch(SchemaPattern pattern, string input, DataPath path, Evaluation evaluation, out bool matches)
    {
        try
        {
            matches = pattern.IsMatch(input);
            return true;
        }
        catch (RegexMatchTimeoutException)
        {
            matches = false;
            evaluation.Abort = new SchemaViolation(path.ToString(), $"could not be checked against pattern {pattern.Text} in time");
            return false;
        }
    }

    /// <summary>Records a violation; false when the caller must stop.</summary>
    private static bool Fail(Evaluation evaluation, bool collect, DataPath path, string message, ref bool valid)
    {
        valid = false;
        return Fail(evaluation, collect, path, message);
    }

    private static bool Fail(Evaluation evaluation, bool collect, DataPath path, string message)
    {
        if (collect && !evaluation.Full)
        {
            evaluation.Violations.Add(new SchemaViolation(path.ToString(), message));
        }
        return Continue(evaluation, collect);
    }

    private static bool Continue(Evaluation evaluation, bool collect) => collect && !evaluation.Full && evaluation.Abort is null;

    private static string Plural(int count, string one, string? many = null) => count == 1 ? one : many ?? one + "s";
}

using System.Text.Json;
using Json.Pointer;
using Json.Schema;
using Json.Schema.Keywords;

namespace Herald.Core.Schemas;

/// <summary>
/// Herald's JSON Schema dialect for JsonSchema.Net: the library's applicators and reference
/// resolution, with Herald's own rules where the library's differ (see docs/adr/0008-json-schema-on-jsonschema-net.md).
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

internal static class Limits
{
    // SchemaChecker has made sure this is a non-negative integer; beyond long range no data reaches it.
    public static long Count(JsonElement value) => value.TryGetDecimal(out var count) && count <= long.MaxValue ? (long)count : long.MaxValue;
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

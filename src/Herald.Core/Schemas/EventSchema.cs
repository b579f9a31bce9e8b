using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Herald.Core.Schemas;

/// <summary>One way in which an event's <c>data</c> fails its type's schema.</summary>
/// <param name="Path">Where in the published body, e.g. <c>data.records[0].uid</c>.</param>
/// <param name="Message">What is wrong, e.g. <c>is required</c> or <c>must be ≥ 0</c>.</param>
public sealed record SchemaViolation(string Path, string Message);

/// <summary>
/// A catalogued event type's JSON Schema, checked and compiled once so that every publish can
/// validate <c>data</c> against it cheaply. Instances are immutable and safe to share between threads.
/// </summary>
/// <remarks>
/// The keywords of drafts 04 to 2020-12 that users write by hand are supported. NJsonSchema was
/// not used for validation: it accepts malformed schemas, matches <c>pattern</c> with no timeout
/// (a hostile schema could pin a publish thread), and lacks <c>const</c>, <c>$defs</c>,
/// <c>prefixItems</c> and <c>if</c>/<c>then</c>/<c>else</c>.
/// </remarks>
public sealed class EventSchema
{
    /// <summary>Deepest nesting of subschemas, and longest chain of in-place references, accepted.</summary>
    public const int MaxDepth = 32;

    /// <summary>Largest schema text accepted, in characters.</summary>
    public const int MaxSchemaLength = 256 * 1024;

    /// <summary>Validation stops reporting after this many violations.</summary>
    public const int MaxViolations = 100;

    // Enough for data nested to the parser's limit beneath several levels of $ref/allOf per level.
    private const int MaxDataDepth = 64;

    private static readonly JsonDocumentOptions SchemaParsing = new()
    {
        // Two JSON levels per schema level ("properties" → name → schema), plus room for the
        // error message about MaxDepth to be the one a user sees.
        MaxDepth = 4 * MaxDepth,
    };

    private static readonly JsonDocumentOptions DataParsing = new() { MaxDepth = MaxDataDepth };

    private readonly SchemaNode _root;

    private EventSchema(SchemaNode root) => _root = root;

    /// <summary>
    /// Checks that <paramref name="schemaJson"/> is a well-formed JSON Schema that Herald can enforce
    /// and compiles it. Never touches the network: only references within the document resolve.
    /// </summary>
    /// <param name="schemaJson">The schema as JSON text.</param>
    /// <param name="schema">The compiled schema, or null when it is refused.</param>
    /// <param name="errors">Each problem as <c>path: message</c>, e.g. <c>schema.required: must be an array of strings</c>; empty on success.</param>
    public static bool TryCompile(string schemaJson, [NotNullWhen(true)] out EventSchema? schema, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        schema = null;
        if (schemaJson.Length > MaxSchemaLength)
        {
            errors = [$"schema: is larger than {MaxSchemaLength / 1024} KiB"];
            return false;
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(schemaJson, SchemaParsing);
            // A clone owns its memory, so the compiled nodes can keep enum and const values
            // without holding a disposable document.
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            errors = [$"schema: is not valid JSON ({ex.Message})"];
            return false;
        }

        var problems = new List<string>();
        var node = SchemaCompiler.Compile(root, problems);
        if (node is null || problems.Count > 0)
        {
            errors = problems;
            return false;
        }
        schema = new EventSchema(node);
        errors = [];
        return true;
    }

    /// <summary>Validates an event's <c>data</c> given as JSON text; an empty list means it conforms.</summary>
    public IReadOnlyList<SchemaViolation> Validate(string dataJson)
    {
        ArgumentNullException.ThrowIfNull(dataJson);
        try
        {
            using var document = JsonDocument.Parse(dataJson, DataParsing);
            return Validate(document.RootElement);
        }
        catch (JsonException ex)
        {
            return [new SchemaViolation(DataPath.Root.ToString(), $"is not valid JSON ({ex.Message})")];
        }
    }

    /// <summary>Validates an event's <c>data</c>; an empty list means it conforms.</summary>
    public IReadOnlyList<SchemaViolation> Validate(JsonElement data)
    {
        var evaluation = new Evaluation();
        _root.Evaluate(data, DataPath.Root, evaluation, collect: true, depth: 0);
        if (evaluation.Abort is { } abort && evaluation.Violations.Count < MaxViolations)
        {
            evaluation.Violations.Add(abort);
        }
        return evaluation.Violations;
    }
}

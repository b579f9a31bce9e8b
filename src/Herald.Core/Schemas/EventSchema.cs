using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Pointer;
using Json.Schema;

namespace Herald.Core.Schemas;

/// <summary>One way in which an event's <c>data</c> fails its type's schema.</summary>
/// <param name="Path">Where in the published body, e.g. <c>data.records[0].uid</c>.</param>
/// <param name="Message">What is wrong, e.g. <c>is required</c> or <c>must be ≥ 0</c>.</param>
public sealed record SchemaViolation(string Path, string Message);

/// <summary>
/// A catalogued event type's JSON Schema, checked and built once so that every publish can
/// validate <c>data</c> against it cheaply. Instances are immutable and safe to share between threads.
/// </summary>
/// <remarks>
/// A facade over JsonSchema.Net (docs/adr/0008-json-schema-on-jsonschema-net.md). Herald keeps
/// what the library does not decide: which documents are admitted (<see cref="SchemaChecker"/>:
/// size and depth limits, drafts 04 to 2020-12 keywords, references within the document only),
/// how numbers compare (<see cref="JsonNumbers"/>, shared with payload filters), how patterns run
/// (<see cref="SchemaPattern"/>), which formats are asserted, a work budget, and the paths and
/// messages a publisher sees (<see cref="SchemaReport"/>).
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

    // A verdict first: the library then stops at the first failure and builds no result tree, so
    // conforming data (nearly all of it) is checked cheaply; only refused data is walked again for its report.
    private static readonly EvaluationOptions Verdict = new() { OutputFormat = OutputFormat.Flag };

    private static readonly EvaluationOptions Report = new() { OutputFormat = OutputFormat.Hierarchical };

    private static readonly Uri RelativeBase = new("https://herald.invalid/schemas/");

    private readonly JsonSchema _schema;

    private EventSchema(JsonSchema schema) => _schema = schema;

    /// <summary>
    /// Checks that <paramref name="schemaJson"/> is a well-formed JSON Schema that Herald can enforce
    /// and builds it. Never touches the network: only references within the document resolve.
    /// </summary>
    /// <param name="schemaJson">The schema as JSON text.</param>
    /// <param name="schema">The built schema, or null when it is refused.</param>
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
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            errors = [$"schema: is not valid JSON ({ex.Message})"];
            return false;
        }

        var problems = new List<string>();
        if (!SchemaChecker.Check(root, problems, out var idAnchors))
        {
            errors = problems;
            return false;
        }
        try
        {
            schema = new EventSchema(Build(root, idAnchors));
        }
        catch (JsonSchemaException ex)
        {
            // SchemaChecker admits only what the dialect builds; this is a backstop, not a path users should meet.
            errors = [$"schema: cannot be enforced ({ex.Message})"];
            return false;
        }
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
            return [new SchemaViolation("data", $"is not valid JSON ({ex.Message})")];
        }
    }

    /// <summary>Validates an event's <c>data</c>; an empty list means it conforms.</summary>
    public IReadOnlyList<SchemaViolation> Validate(JsonElement data)
    {
        var report = new SchemaReport(data);
        try
        {
            SchemaBudget.Reset();
            if (_schema.Evaluate(data, Verdict).IsValid)
            {
                return [];
            }
            SchemaBudget.Reset();
            report.Add(_schema.Evaluate(data, Report));
        }
        catch (SchemaBudgetExceededException)
        {
            return [new SchemaViolation("data", "is too complex to check against this event type's schema")];
        }
        catch (SchemaPatternTimeoutException ex)
        {
            return [new SchemaViolation(report.PathOf(ex.InstanceLocation), $"could not be checked against pattern {ex.Pattern} in time")];
        }
        catch (JsonSchemaException)
        {
            // A schema admitted by an earlier version that the library cannot follow (an unresolvable
            // reference): the data is refused, never waved through, and the publisher is told why.
            return [new SchemaViolation("data", "could not be checked against this event type's schema")];
        }
        return report.Violations;
    }

    private static JsonSchema Build(JsonElement root, IReadOnlyList<(string Pointer, string Name)> idAnchors)
    {
        // The document's own $id is its base, so references spelled with it stay local.
        Uri? baseUri = null;
        if (root.ValueKind == JsonValueKind.Object
            && root.TryGetProperty("$id", out var id) && id.ValueKind == JsonValueKind.String
            && id.GetString()!.Split('#')[0] is { Length: > 0 } own)
        {
            // A relative $id ("audit.json") is placed under a base of Herald's, which references
            // spelled with it resolve against just the same.
            Uri.TryCreate(RelativeBase, own, out baseUri);
        }
        if (idAnchors.Count > 0)
        {
            // Draft 6/7's "$id": "#name" is 2020-12's "$anchor": "name".
            var node = JsonNode.Parse(root.GetRawText())!;
            foreach (var (pointer, name) in idAnchors)
            {
                if (JsonPointer.Parse(pointer).TryEvaluate(node, out var target) && target is JsonObject subschema && !subschema.ContainsKey("$anchor"))
                {
                    subschema["$anchor"] = name;
                }
            }
            root = JsonSerializer.SerializeToElement(node);
        }
        // A registry of its own: schemas of different event types may share an $id, and the
        // global registry would keep every schema ever built.
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = SchemaKeywords.Dialect };
        return JsonSchema.Build(root, options, baseUri);
    }
}

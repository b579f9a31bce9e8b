namespace Herald.Core.Schemas;

/// <summary>
/// One subschema as <see cref="SchemaChecker"/> sees it: where it is and which subschemas apply to
/// the same value, so that reference cycles and over-long chains are found before the library builds it.
/// </summary>
internal sealed class SchemaNode(string path)
{
    /// <summary>Where this subschema sits in the schema document, for errors.</summary>
    public string Path { get; } = path;

    public SchemaNode? Ref { get; set; }

    public SchemaNode[]? AllOf { get; set; }

    public SchemaNode[]? AnyOf { get; set; }

    public SchemaNode[]? OneOf { get; set; }

    public SchemaNode? Not { get; set; }

    public SchemaNode? If { get; set; }

    public SchemaNode? Then { get; set; }

    public SchemaNode? Else { get; set; }

    public Dictionary<string, SchemaNode>? DependentSchemas { get; set; }

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
}

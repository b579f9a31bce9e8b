using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Herald.Core.Schemas;

/// <summary>
/// Herald's admission rules for a schema document, checked keyword by keyword before the document
/// reaches the validator library. Every problem is reported, with its path, so an author can fix a
/// schema in one round trip.
/// </summary>
/// <remarks>
/// The check stands in for the draft meta-schemas (it rejects exactly the values they would,
/// for the keywords below) and adds what Herald cannot enforce: references outside the document,
/// reference cycles, the dynamic-scope keywords. Unknown keywords are annotations, as every draft says.
/// </remarks>
internal sealed class SchemaChecker
{
    private const int MaxNodes = 10_000;
    private const int MaxErrors = 50;
    private const int InProgress = -1;
    private const string TypeRule = "must be one of array, boolean, integer, null, number, object, string, or an array of them";

    private static readonly HashSet<string> TypeNames = new(StringComparer.Ordinal)
    {
        "array", "boolean", "integer", "null", "number", "object", "string",
    };

    private static readonly Uri AnchorBase = new("https://herald.invalid/schema");

    private readonly JsonElement _root;
    private readonly List<string> _errors;
    private readonly Dictionary<string, SchemaNode> _byPointer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SchemaNode> _anchors = new(StringComparer.Ordinal);
    private readonly List<(SchemaNode Node, string Reference, Location At)> _references = [];
    private readonly List<(string Pointer, string Name)> _idAnchors = [];
    private readonly string? _baseUri;

    private SchemaChecker(JsonElement root, List<string> errors)
    {
        _root = root;
        _errors = errors;
        // A reference spelled with the document's own absolute $id is still local.
        if (root.ValueKind == JsonValueKind.Object
            && root.TryGetProperty("$id", out var id) && id.ValueKind == JsonValueKind.String
            && id.GetString()!.Split('#')[0] is { Length: > 0 } baseUri)
        {
            _baseUri = baseUri;
        }
    }

    /// <summary>Checks a schema document; true when <paramref name="errors"/> stayed empty.</summary>
    /// <param name="root">The parsed schema document.</param>
    /// <param name="errors">Receives each problem as <c>path: message</c>.</param>
    /// <param name="idAnchors">
    /// JSON pointers of subschemas named with draft 6/7's <c>"$id": "#name"</c>, which the library's
    /// 2020-12 keywords know only as <c>$anchor</c>.
    /// </param>
    public static bool Check(JsonElement root, List<string> errors, out IReadOnlyList<(string Pointer, string Name)> idAnchors)
    {
        var checker = new SchemaChecker(root, errors);
        checker.Walk(root, Location.Root, depth: 0);
        checker.ResolveReferences();
        if (errors.Count == 0)
        {
            checker.CheckInPlaceChains();
        }
        idAnchors = checker._idAnchors;
        return errors.Count == 0;
    }

    private SchemaNode Walk(JsonElement element, Location at, int depth)
    {
        if (_byPointer.TryGetValue(at.Pointer, out var known))
        {
            return known;
        }
        var node = new SchemaNode(at.Path);
        _byPointer[at.Pointer] = node;
        if (_byPointer.Count > MaxNodes)
        {
            if (_byPointer.Count == MaxNodes + 1)
            {
                Error(Location.Root, $"has more than {MaxNodes} subschemas");
            }
            return node;
        }
        if (depth > EventSchema.MaxDepth)
        {
            Error(at, $"nests subschemas more than {EventSchema.MaxDepth} levels deep");
            return node;
        }
        switch (element.ValueKind)
        {
            case JsonValueKind.True:
            case JsonValueKind.False:
                break;
            case JsonValueKind.Object:
                ReadKeywords(element, node, at, depth);
                break;
            default:
                Error(at, $"must be a JSON Schema (an object or a boolean), not {Describe(element)}");
                break;
        }
        return node;
    }

    private void ReadKeywords(JsonElement element, SchemaNode node, Location at, int depth)
    {
        JsonElement? minimum = null;
        JsonElement? maximum = null;
        var draft4ExclusiveMinimum = false;
        var draft4ExclusiveMaximum = false;

        foreach (var keyword in element.EnumerateObject())
        {
            var value = keyword.Value;
            var here = at.Child(keyword.Name);
            switch (keyword.Name)
            {
                case "$ref":
                    if (Text(value, here) is { } reference)
                    {
                        _references.Add((node, reference, here));
                    }
                    break;
                case "$defs":
                case "definitions":
                    SchemaMap(value, here, depth);
                    break;
                case "$id":
                    // Drafts 6 and 7 name a subschema with "$id": "#name", as 2019-09's $anchor does.
                    if (Text(value, here) is { } id && id.StartsWith('#') && id.Length > 1)
                    {
                        if (element.TryGetProperty("$anchor", out _))
                        {
                            // The library knows one name per subschema.
                            Error(here, "names a subschema that $anchor names too; keep only $anchor");
                        }
                        Anchor(id[1..], node, here);
                        _idAnchors.Add((at.Pointer, id[1..]));
                    }
                    break;
                case "$anchor":
                    if (Text(value, here) is { } anchor)
                    {
                        Anchor(anchor, node, here);
                    }
                    break;
                case "$schema":
                case "$comment":
                case "title":
                case "description":
                case "contentEncoding":
                case "contentMediaType":
                    Text(value, here);
                    break;
                case "readOnly":
                case "writeOnly":
                case "deprecated":
                    Flag(value, here);
                    break;
                case "examples":
                    if (value.ValueKind != JsonValueKind.Array)
                    {
                        Error(here, "must be an array");
                    }
                    break;
                case "type":
                    ReadType(value, here);
                    break;
                case "enum":
                    if (value.ValueKind != JsonValueKind.Array)
                    {
                        Error(here, $"must be an array of the allowed values, not {Describe(value)}");
                    }
                    break;
                case "const":
                    break;
                case "minimum":
                    minimum = Number(value, here);
                    break;
                case "maximum":
                    maximum = Number(value, here);
                    break;
                case "exclusiveMinimum":
                    if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    {
                        draft4ExclusiveMinimum = value.GetBoolean();
                    }
                    else
                    {
                        Number(value, here);
                    }
                    break;
                case "exclusiveMaximum":
                    if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    {
                        draft4ExclusiveMaximum = value.GetBoolean();
                    }
                    else
                    {
                        Number(value, here);
                    }
                    break;
                case "multipleOf":
                    if (Number(value, here) is { } multipleOf && JsonNumbers.Sign(JsonMarshal.GetRawUtf8Value(multipleOf)) <= 0)
                    {
                        Error(here, "must be greater than 0");
                    }
                    break;
                case "minLength":
                    Count(value, here);
                    break;
                case "maxLength":
                    Count(value, here);
                    break;
                case "pattern":
                    if (Text(value, here) is { } pattern)
                    {
                        Pattern(pattern, here);
                    }
                    break;
                case "format":
                    Text(value, here);
                    break;
                case "items":
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        Schemas(value, here, depth, allowEmpty: true, "must be a schema or an array of schemas");
                    }
                    else if (value.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False)
                    {
                        Walk(value, here, depth + 1);
                    }
                    else
                    {
                        Error(here, $"must be a schema or an array of schemas, not {Describe(value)}");
                    }
                    break;
                case "prefixItems":
                    Schemas(value, here, depth, allowEmpty: false, "must be a non-empty array of schemas");
                    break;
                case "additionalItems":
                    Walk(value, here, depth + 1);
                    break;
                case "contains":
                    Walk(value, here, depth + 1);
                    break;
                case "minContains":
                    Count(value, here);
                    break;
                case "maxContains":
                    Count(value, here);
                    break;
                case "minItems":
                    Count(value, here);
                    break;
                case "maxItems":
                    Count(value, here);
                    break;
                case "uniqueItems":
                    Flag(value, here);
                    break;
                case "properties":
                    SchemaMap(value, here, depth);
                    break;
                case "patternProperties":
                    PatternMap(value, here, depth);
                    break;
                case "additionalProperties":
                    Walk(value, here, depth + 1);
                    break;
                case "propertyNames":
                    Walk(value, here, depth + 1);
                    break;
                case "required":
                    Names(value, here);
                    break;
                case "minProperties":
                    Count(value, here);
                    break;
                case "maxProperties":
                    Count(value, here);
                    break;
                case "dependentRequired":
                    ReadDependencies(value, node, here, depth, allowSchemas: false);
                    break;
                case "dependentSchemas":
                    if (SchemaMap(value, here, depth) is { } dependentSchemas)
                    {
                        foreach (var (name, schema) in dependentSchemas)
                        {
                            (node.DependentSchemas ??= new(StringComparer.Ordinal))[name] = schema;
                        }
                    }
                    break;
                case "dependencies":
                    ReadDependencies(value, node, here, depth, allowSchemas: true);
                    break;
                case "allOf":
                    node.AllOf = Schemas(value, here, depth, allowEmpty: false, "must be a non-empty array of schemas");
                    break;
                case "anyOf":
                    node.AnyOf = Schemas(value, here, depth, allowEmpty: false, "must be a non-empty array of schemas");
                    break;
                case "oneOf":
                    node.OneOf = Schemas(value, here, depth, allowEmpty: false, "must be a non-empty array of schemas");
                    break;
                case "not":
                    node.Not = Walk(value, here, depth + 1);
                    break;
                case "if":
                    node.If = Walk(value, here, depth + 1);
                    break;
                case "then":
                    node.Then = Walk(value, here, depth + 1);
                    break;
                case "else":
                    node.Else = Walk(value, here, depth + 1);
                    break;
                case "contentSchema":
                    Walk(value, here, depth + 1);
                    break;
                // Accepting these and ignoring them would pass data the author meant to refuse.
                case "unevaluatedProperties":
                case "unevaluatedItems":
                case "$dynamicRef":
                case "$recursiveRef":
                    Error(here, "is not supported by Herald; use additionalProperties, items or $ref instead");
                    break;
                default:
                    break;
            }
        }

        // Draft 4 spelled exclusiveMinimum as a boolean that turns minimum exclusive.
        if (draft4ExclusiveMinimum && minimum is null)
        {
            Error(at.Child("exclusiveMinimum"), "as a boolean needs a minimum beside it");
        }
        if (draft4ExclusiveMaximum && maximum is null)
        {
            Error(at.Child("exclusiveMaximum"), "as a boolean needs a maximum beside it");
        }
    }

    private void ReadType(JsonElement value, Location at)
    {
        string[] names;
        if (value.ValueKind == JsonValueKind.String)
        {
            names = [value.GetString()!];
        }
        else if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0
            && value.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String))
        {
            names = [.. value.EnumerateArray().Select(item => item.GetString()!)];
        }
        else
        {
            Error(at, $"{TypeRule}, not {Describe(value)}");
            return;
        }

        foreach (var name in names)
        {
            if (!TypeNames.Contains(name))
            {
                Error(at, $"{TypeRule}; \"{JsonValues.Truncate(name)}\" is not a type");
                return;
            }
            if (names.Count(other => other == name) > 1)
            {
                Error(at, $"lists \"{name}\" more than once");
                return;
            }
        }
    }

    private void ReadDependencies(JsonElement value, SchemaNode node, Location at, int depth, bool allowSchemas)
    {
        var rule = allowSchemas
            ? "must be an object whose values are arrays of property names or schemas"
            : "must be an object whose values are arrays of property names";
        if (value.ValueKind != JsonValueKind.Object)
        {
            Error(at, $"{rule}, not {Describe(value)}");
            return;
        }
        foreach (var dependency in value.EnumerateObject())
        {
            var here = at.Child(dependency.Name);
            if (dependency.Value.ValueKind == JsonValueKind.Array)
            {
                Names(dependency.Value, here);
            }
            else if (allowSchemas)
            {
                (node.DependentSchemas ??= new(StringComparer.Ordinal))[dependency.Name] = Walk(dependency.Value, here, depth + 1);
            }
            else
            {
                Error(here, $"must be an array of property names, not {Describe(dependency.Value)}");
            }
        }
    }

    private SchemaNode[]? Schemas(JsonElement value, Location at, int depth, bool allowEmpty, string rule)
    {
        if (value.ValueKind != JsonValueKind.Array || (!allowEmpty && value.GetArrayLength() == 0))
        {
            Error(at, $"{rule}, not {Describe(value)}");
            return null;
        }
        return [.. value.EnumerateArray().Select((item, index) => Walk(item, at.Index(index), depth + 1))];
    }

    private Dictionary<string, SchemaNode>? SchemaMap(JsonElement value, Location at, int depth)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            Error(at, $"must be an object whose values are schemas, not {Describe(value)}");
            return null;
        }
        var map = new Dictionary<string, SchemaNode>(StringComparer.Ordinal);
        foreach (var entry in value.EnumerateObject())
        {
            map[entry.Name] = Walk(entry.Value, at.Child(entry.Name), depth + 1);
        }
        return map;
    }

    private List<(SchemaPattern, SchemaNode)>? PatternMap(JsonElement value, Location at, int depth)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            Error(at, $"must be an object mapping regular expressions to schemas, not {Describe(value)}");
            return null;
        }
        var list = new List<(SchemaPattern, SchemaNode)>();
        foreach (var entry in value.EnumerateObject())
        {
            var here = at.Child(entry.Name);
            var schema = Walk(entry.Value, here, depth + 1);
            if (Pattern(entry.Name, here) is { } pattern)
            {
                list.Add((pattern, schema));
            }
        }
        return list;
    }

    private SchemaPattern? Pattern(string text, Location at)
    {
        var pattern = SchemaPattern.TryCreate(text, out var error);
        if (error is not null)
        {
            Error(at, error);
        }
        return pattern;
    }

    private string[]? Names(JsonElement value, Location at)
    {
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
        {
            Error(at, $"must be an array of strings, not {Describe(value)}");
            return null;
        }
        string[] names = [.. value.EnumerateArray().Select(item => item.GetString()!)];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!seen.Add(name))
            {
                Error(at, $"lists \"{JsonValues.Truncate(name)}\" more than once");
                return null;
            }
        }
        return names;
    }

    private string? Text(JsonElement value, Location at)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }
        Error(at, $"must be a string, not {Describe(value)}");
        return null;
    }

    private bool Flag(JsonElement value, Location at)
    {
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }
        Error(at, $"must be true or false, not {Describe(value)}");
        return false;
    }

    private JsonElement? Number(JsonElement value, Location at)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return value;
        }
        Error(at, $"must be a number, not {Describe(value)}");
        return null;
    }

    private int? Count(JsonElement value, Location at)
    {
        if (value.ValueKind == JsonValueKind.Number && JsonValues.IsInteger(value) && !value.GetRawText().StartsWith('-'))
        {
            // Any count beyond int range is unreachable by real data anyway.
            return value.TryGetDecimal(out var count) && count <= int.MaxValue ? (int)count : int.MaxValue;
        }
        Error(at, $"must be a non-negative integer, not {Describe(value)}");
        return null;
    }

    private void Anchor(string name, SchemaNode node, Location at)
    {
        if (new Uri(AnchorBase, "#" + name).Fragment != "#" + name)
        {
            // References are resolved as URIs, where such a name arrives escaped and matches nothing.
            Error(at, $"names \"{JsonValues.Truncate(name)}\", which a reference cannot spell as it is; use letters, digits, \"-\", \"_\" and \".\"");
            return;
        }
        if (!_anchors.TryAdd(name, node))
        {
            Error(at, $"names \"{JsonValues.Truncate(name)}\", which another subschema already uses");
        }
    }

    private void ResolveReferences()
    {
        // Resolving can walk subschemas no keyword reached, adding references of their own.
        for (var i = 0; i < _references.Count; i++)
        {
            var (node, reference, at) = _references[i];
            node.Ref = Resolve(reference, at);
        }
    }

    private SchemaNode? Resolve(string reference, Location at)
    {
        var local = reference;
        if (_baseUri is not null && reference.StartsWith(_baseUri, StringComparison.Ordinal)
            && (reference.Length == _baseUri.Length || reference[_baseUri.Length] == '#'))
        {
            local = reference[_baseUri.Length..];
        }
        if (local.Length > 0 && local[0] != '#')
        {
            // Fetching would let a tenant make the server issue requests, and tie validation to
            // another host's uptime.
            Error(at, $"only references within this schema (starting with #) are supported, not \"{JsonValues.Truncate(reference)}\"");
            return null;
        }
        var fragment = local.Length == 0 ? "" : Uri.UnescapeDataString(local[1..]);
        if (fragment.Length == 0)
        {
            return _byPointer[Location.Root.Pointer];
        }
        if (fragment[0] != '/')
        {
            if (_anchors.TryGetValue(fragment, out var anchored))
            {
                return anchored;
            }
            Error(at, $"does not resolve: no subschema is named \"{JsonValues.Truncate(fragment)}\"");
            return null;
        }

        var target = _root;
        var location = Location.Root;
        foreach (var token in fragment[1..].Split('/').Select(token => token.Replace("~1", "/").Replace("~0", "~")))
        {
            if (target.ValueKind == JsonValueKind.Object && target.TryGetProperty(token, out var child))
            {
                target = child;
                location = location.Child(token);
            }
            else if (target.ValueKind == JsonValueKind.Array
                && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && index < target.GetArrayLength())
            {
                target = target[index];
                location = location.Index(index);
            }
            else
            {
                Error(at, $"does not resolve: nothing is at \"{JsonValues.Truncate(reference)}\"");
                return null;
            }
        }
        if (_byPointer.TryGetValue(location.Pointer, out var known))
        {
            return known;
        }
        if (target.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            Error(at, $"does not resolve to a schema: \"{JsonValues.Truncate(reference)}\" is {Describe(target)}");
            return null;
        }
        // Depth restarts here; the parser's depth limit still bounds this walk.
        return Walk(target, location, depth: 0);
    }

    /// <summary>
    /// Refuses reference cycles that never descend into the data ({"$ref": "#"}), which would
    /// recurse forever, and bounds chains of in-place subschemas to <see cref="EventSchema.MaxDepth"/>.
    /// </summary>
    private void CheckInPlaceChains()
    {
        var heights = new Dictionary<SchemaNode, int>(ReferenceEqualityComparer.Instance);
        foreach (var node in _byPointer.Values)
        {
            if (Height(node, heights, depth: 0) < 0)
            {
                return;
            }
        }
    }

    private int Height(SchemaNode node, Dictionary<SchemaNode, int> heights, int depth)
    {
        if (heights.TryGetValue(node, out var known))
        {
            if (known == InProgress)
            {
                Error(node.Path, "is part of a reference cycle that never descends into the data");
                return -1;
            }
            return known;
        }
        heights[node] = InProgress;
        var height = 0;
        foreach (var next in node.InPlace())
        {
            var below = depth >= EventSchema.MaxDepth ? EventSchema.MaxDepth : Height(next, heights, depth + 1);
            if (below < 0)
            {
                return -1;
            }
            height = Math.Max(height, below + 1);
        }
        if (height > EventSchema.MaxDepth)
        {
            Error(node.Path, $"chains more than {EventSchema.MaxDepth} subschemas through $ref, allOf, anyOf, oneOf, not or if without descending into the data");
            return -1;
        }
        heights[node] = height;
        return height;
    }

    private void Error(Location at, string message) => Error(at.Path, message);

    private void Error(string path, string message)
    {
        if (_errors.Count < MaxErrors)
        {
            _errors.Add($"{path}: {message}");
        }
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {JsonValues.Truncate(value.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>A position in the schema document: a JSON pointer for $ref, a readable path for errors.</summary>
    private readonly record struct Location(string Pointer, string Path)
    {
        public static Location Root { get; } = new("", "schema");

        public Location Child(string name) =>
            new(Pointer + "/" + name.Replace("~", "~0").Replace("/", "~1"), JsonValues.AppendProperty(Path, name));

        public Location Index(int index) =>
            new(Pointer + "/" + index.ToString(CultureInfo.InvariantCulture), JsonValues.AppendIndex(Path, index));
    }
}

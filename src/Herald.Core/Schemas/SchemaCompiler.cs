using System.Globalization;
using System.Text.Json;

namespace Herald.Core.Schemas;

/// <summary>
/// Checks a schema document keyword by keyword and builds its <see cref="SchemaNode"/> graph.
/// Every problem is reported, with its path, so an author can fix a schema in one round trip.
/// </summary>
/// <remarks>
/// The check stands in for the draft meta-schemas (it rejects exactly the values they would,
/// for the keywords below) and adds what Herald cannot enforce: references outside the document,
/// reference cycles, the dynamic-scope keywords. Unknown keywords are annotations, as every draft says.
/// </remarks>
internal sealed class SchemaCompiler
{
    private const int MaxNodes = 10_000;
    private const int MaxErrors = 50;
    private const int InProgress = -1;
    private const string TypeRule = "must be one of array, boolean, integer, null, number, object, string, or an array of them";

    private static readonly Dictionary<string, JsonTypes> TypeNames = new(StringComparer.Ordinal)
    {
        ["array"] = JsonTypes.Array,
        ["boolean"] = JsonTypes.Boolean,
        ["integer"] = JsonTypes.Integer,
        ["null"] = JsonTypes.Null,
        ["number"] = JsonTypes.Number,
        ["object"] = JsonTypes.Object,
        ["string"] = JsonTypes.String,
    };

    private readonly JsonElement _root;
    private readonly List<string> _errors;
    private readonly Dictionary<string, SchemaNode> _byPointer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SchemaNode> _anchors = new(StringComparer.Ordinal);
    private readonly List<(SchemaNode Node, string Reference, Location At)> _references = [];
    private readonly string? _baseUri;

    private SchemaCompiler(JsonElement root, List<string> errors)
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

    /// <returns>The root node, or null when <paramref name="errors"/> says why the schema is refused.</returns>
    public static SchemaNode? Compile(JsonElement root, List<string> errors)
    {
        var compiler = new SchemaCompiler(root, errors);
        var node = compiler.Walk(root, Location.Root, depth: 0);
        compiler.ResolveReferences();
        if (errors.Count == 0)
        {
            compiler.CheckInPlaceChains();
        }
        return errors.Count == 0 ? node : null;
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
                node.Always = true;
                break;
            case JsonValueKind.False:
                node.Always = false;
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
        SchemaNode[]? tuple = null;
        SchemaNode? itemsSchema = null;
        SchemaNode? additionalItems = null;
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
                        Anchor(id[1..], node, here);
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
                    ReadType(value, node, here);
                    break;
                case "enum":
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        node.Enum = [.. value.EnumerateArray()];
                    }
                    else
                    {
                        Error(here, $"must be an array of the allowed values, not {Describe(value)}");
                    }
                    break;
                case "const":
                    node.Const = value;
                    break;
                case "minimum":
                    node.Minimum = Number(value, here);
                    break;
                case "maximum":
                    node.Maximum = Number(value, here);
                    break;
                case "exclusiveMinimum":
                    // Draft 4 spelled it as a boolean that turns minimum exclusive.
                    if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    {
                        draft4ExclusiveMinimum = value.GetBoolean();
                    }
                    else
                    {
                        node.ExclusiveMinimum = Number(value, here);
                    }
                    break;
                case "exclusiveMaximum":
                    if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    {
                        draft4ExclusiveMaximum = value.GetBoolean();
                    }
                    else
                    {
                        node.ExclusiveMaximum = Number(value, here);
                    }
                    break;
                case "multipleOf":
                    node.MultipleOf = Number(value, here);
                    if (node.MultipleOf is { Sign: <= 0 })
                    {
                        Error(here, "must be greater than 0");
                        node.MultipleOf = null;
                    }
                    break;
                case "minLength":
                    node.MinLength = Count(value, here);
                    break;
                case "maxLength":
                    node.MaxLength = Count(value, here);
                    break;
                case "pattern":
                    if (Text(value, here) is { } pattern)
                    {
                        node.Pattern = Pattern(pattern, here);
                    }
                    break;
                case "format":
                    if (Text(value, here) is { } format)
                    {
                        node.Format = format;
                        node.FormatCheck = SchemaFormats.Find(format);
                    }
                    break;
                case "items":
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        tuple = Schemas(value, here, depth, allowEmpty: true, "must be a schema or an array of schemas");
                    }
                    else if (value.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False)
                    {
                        itemsSchema = Walk(value, here, depth + 1);
                    }
                    else
                    {
                        Error(here, $"must be a schema or an array of schemas, not {Describe(value)}");
                    }
                    break;
                case "prefixItems":
                    node.PrefixItems = Schemas(value, here, depth, allowEmpty: false, "must be a non-empty array of schemas");
                    break;
                case "additionalItems":
                    additionalItems = Walk(value, here, depth + 1);
                    break;
                case "contains":
                    node.Contains = Walk(value, here, depth + 1);
                    break;
                case "minContains":
                    node.MinContains = Count(value, here);
                    break;
                case "maxContains":
                    node.MaxContains = Count(value, here);
                    break;
                case "minItems":
                    node.MinItems = Count(value, here);
                    break;
                case "maxItems":
                    node.MaxItems = Count(value, here);
                    break;
                case "uniqueItems":
                    node.UniqueItems = Flag(value, here);
                    break;
                case "properties":
                    node.Properties = SchemaMap(value, here, depth);
                    break;
                case "patternProperties":
                    node.PatternProperties = PatternMap(value, here, depth);
                    break;
                case "additionalProperties":
                    node.AdditionalProperties = Walk(value, here, depth + 1);
                    break;
                case "propertyNames":
                    node.PropertyNames = Walk(value, here, depth + 1);
                    break;
                case "required":
                    node.Required = Names(value, here);
                    break;
                case "minProperties":
                    node.MinProperties = Count(value, here);
                    break;
                case "maxProperties":
                    node.MaxProperties = Count(value, here);
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

        if (tuple is not null)
        {
            // Array-form items (drafts 4 to 2019-09) is 2020-12's prefixItems; additionalItems then covers the rest.
            node.PrefixItems ??= tuple;
            node.Items = additionalItems;
        }
        else
        {
            node.Items = itemsSchema;
        }
        if (draft4ExclusiveMinimum)
        {
            if (node.Minimum is null)
            {
                Error(at.Child("exclusiveMinimum"), "as a boolean needs a minimum beside it");
            }
            (node.ExclusiveMinimum, node.Minimum) = (node.Minimum, null);
        }
        if (draft4ExclusiveMaximum)
        {
            if (node.Maximum is null)
            {
                Error(at.Child("exclusiveMaximum"), "as a boolean needs a maximum beside it");
            }
            (node.ExclusiveMaximum, node.Maximum) = (node.Maximum, null);
        }
    }

    private void ReadType(JsonElement value, SchemaNode node, Location at)
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

        var types = JsonTypes.None;
        foreach (var name in names)
        {
            if (!TypeNames.TryGetValue(name, out var type))
            {
                Error(at, $"{TypeRule}; \"{JsonValues.Truncate(name)}\" is not a type");
                return;
            }
            if (names.Count(other => other == name) > 1)
            {
                Error(at, $"lists \"{name}\" more than once");
                return;
            }
            types |= type;
        }
        node.Types = types;
        node.TypeNames = names.Length == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1];
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
                if (Names(dependency.Value, here) is { } names)
                {
                    (node.DependentRequired ??= new(StringComparer.Ordinal))[dependency.Name] = names;
                }
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

    private SchemaNumber? Number(JsonElement value, Location at)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return SchemaNumber.From(value);
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

using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Core.Validation;

/// <summary>
/// Reads the fields of one JSON object while collecting every problem at its path, so a client
/// learns all that is wrong with a body in one round trip. Unknown fields are errors.
/// </summary>
public sealed class ObjectReader
{
    private readonly JsonObject _object;
    private readonly string _path;

    public ObjectReader(JsonObject obj, string path, ValidationErrors errors, IReadOnlyCollection<string> known, IReadOnlyCollection<string>? ignored = null)
    {
        _object = obj;
        _path = path;
        Errors = errors;
        foreach (var (name, _) in obj)
        {
            if (!known.Contains(name) && (ignored is null || !ignored.Contains(name)))
            {
                errors.Add(ValidationErrors.Join(path, name), "is not a known field");
            }
        }
    }

    public ValidationErrors Errors { get; }

    public string PathOf(string name) => ValidationErrors.Join(_path, name);

    /// <summary>True when the field is present, even with a null value.</summary>
    public bool Has(string name) => _object.ContainsKey(name);

    public JsonNode? Node(string name) => _object.TryGetPropertyValue(name, out var node) ? node : null;

    public string? String(string name, bool required = false, int maxLength = 1024, bool allowEmpty = true)
    {
        var node = Node(name);
        if (node is null)
        {
            if (required)
            {
                Errors.Add(PathOf(name), "is required");
            }
            return null;
        }
        if (node.GetValueKind() != JsonValueKind.String)
        {
            Errors.Add(PathOf(name), "must be a string");
            return null;
        }
        var value = node.GetValue<string>();
        if (!allowEmpty && value.Length == 0)
        {
            Errors.Add(PathOf(name), "must not be empty");
            return null;
        }
        if (value.Length > maxLength)
        {
            Errors.Add(PathOf(name), $"must be at most {maxLength} characters");
            return null;
        }
        return value;
    }

    public bool? Bool(string name)
    {
        var node = Node(name);
        if (node is null)
        {
            return null;
        }
        var kind = node.GetValueKind();
        if (kind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Errors.Add(PathOf(name), "must be true or false");
            return null;
        }
        return kind == JsonValueKind.True;
    }

    public double? Number(string name)
    {
        var node = Node(name);
        if (node is null)
        {
            return null;
        }
        if (node.GetValueKind() != JsonValueKind.Number)
        {
            Errors.Add(PathOf(name), "must be a number");
            return null;
        }
        return node.GetValue<double>();
    }

    public TimeSpan? Duration(string name, TimeSpan? min = null, TimeSpan? max = null)
    {
        var node = Node(name);
        if (node is null)
        {
            return null;
        }
        return ReadDuration(node, PathOf(name), Errors, min, max);
    }

    public static TimeSpan? ReadDuration(JsonNode node, string path, ValidationErrors errors, TimeSpan? min = null, TimeSpan? max = null)
    {
        if (node.GetValueKind() != JsonValueKind.String || !Durations.TryParse(node.GetValue<string>(), out var value))
        {
            errors.Add(path, "must be a duration: an integer with a unit ms, s, m, h or d (\"30s\")");
            return null;
        }
        if (min is { } lo && value < lo)
        {
            errors.Add(path, $"must be at least {Durations.Format(lo)}");
            return null;
        }
        if (max is { } hi && value > hi)
        {
            errors.Add(path, $"must be at most {Durations.Format(hi)}");
            return null;
        }
        return value;
    }

    public JsonObject? Object(string name, bool required = false)
    {
        var node = Node(name);
        if (node is null)
        {
            if (required)
            {
                Errors.Add(PathOf(name), "is required");
            }
            return null;
        }
        if (node is not JsonObject obj)
        {
            Errors.Add(PathOf(name), "must be an object");
            return null;
        }
        return obj;
    }

    public JsonArray? Array(string name, int maxItems)
    {
        var node = Node(name);
        if (node is null)
        {
            return null;
        }
        if (node is not JsonArray array)
        {
            Errors.Add(PathOf(name), "must be an array");
            return null;
        }
        if (array.Count > maxItems)
        {
            Errors.Add(PathOf(name), $"must have at most {maxItems} items");
            return null;
        }
        return array;
    }

    /// <summary>An array of strings, each checked by <paramref name="check"/> (which returns an error or null).</summary>
    public List<string>? StringArray(string name, int maxItems, Func<string, string?> check)
    {
        var array = Array(name, maxItems);
        if (array is null)
        {
            return null;
        }
        var result = new List<string>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            var path = ValidationErrors.Index(PathOf(name), i);
            var item = array[i];
            if (item is null || item.GetValueKind() != JsonValueKind.String)
            {
                Errors.Add(path, "must be a string");
                continue;
            }
            var value = item.GetValue<string>();
            if (check(value) is { } error)
            {
                Errors.Add(path, error);
                continue;
            }
            result.Add(value);
        }
        return result;
    }
}

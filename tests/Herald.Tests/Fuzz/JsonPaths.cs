using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Tests.Fuzz;

/// <summary>Walking and rewriting request bodies by the JSON paths Herald reports errors at (<c>retry.schedule[0]</c>).</summary>
public static class JsonPaths
{
    /// <summary>Every member and array item of <paramref name="root"/>, parents before children; free-form fields are not entered.</summary>
    public static List<(string Path, JsonNode? Value)> Walk(JsonObject root, IReadOnlyCollection<string> opaque)
    {
        var found = new List<(string, JsonNode?)>();
        void Visit(JsonNode? node, string path)
        {
            if (path.Length > 0)
            {
                found.Add((path, node));
                if (opaque.Contains(path))
                {
                    return;
                }
            }
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (name, child) in obj)
                    {
                        Visit(child, path.Length == 0 ? name : $"{path}.{name}");
                    }
                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        Visit(array[i], $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]");
                    }
                    break;
            }
        }
        Visit(root, "");
        return found;
    }

    /// <summary>A copy of <paramref name="root"/> with the value at <paramref name="path"/> replaced (or added).</summary>
    public static JsonObject With(JsonObject root, string path, JsonNode? value)
    {
        var copy = (JsonObject)root.DeepClone();
        var steps = Steps(path);
        JsonNode parent = copy;
        for (var i = 0; i < steps.Count - 1; i++)
        {
            parent = Child(parent, steps[i]) ?? throw new ArgumentException($"No node at {path} in {root.ToJsonString()}", nameof(path));
        }
        var last = steps[^1];
        if (last.Index is { } index)
        {
            ((JsonArray)parent)[index] = value?.DeepClone();
        }
        else
        {
            ((JsonObject)parent)[last.Name!] = value?.DeepClone();
        }
        return copy;
    }

    /// <summary>The JSON kind of a node, with null for the JSON literal null.</summary>
    public static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    /// <summary>The last step of a path is an array item.</summary>
    public static bool IsItem(string path) => path.EndsWith(']');

    /// <summary>The name of the member a path starts with.</summary>
    public static string Top(string path)
    {
        var end = path.IndexOfAny(['.', '[']);
        return end < 0 ? path : path[..end];
    }

    private static JsonNode? Child(JsonNode parent, (string? Name, int? Index) step) =>
        step.Index is { } index ? ((JsonArray)parent)[index] : ((JsonObject)parent)[step.Name!];

    private static List<(string? Name, int? Index)> Steps(string path)
    {
        var steps = new List<(string?, int?)>();
        var i = 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                i++;
            }
            if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                steps.Add((null, int.Parse(path.AsSpan(i + 1, close - i - 1), CultureInfo.InvariantCulture)));
                i = close + 1;
            }
            else
            {
                var end = path.IndexOfAny(['.', '['], i);
                if (end < 0)
                {
                    end = path.Length;
                }
                steps.Add((path[i..end], null));
                i = end;
            }
        }
        return steps;
    }
}

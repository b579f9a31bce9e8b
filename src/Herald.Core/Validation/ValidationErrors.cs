namespace Herald.Core.Validation;

/// <summary>Validation failures keyed by the JSON path of the request body (<c>retry.schedule[0]</c>).</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public IReadOnlyDictionary<string, List<string>> Items => _errors;

    public void Add(string path, string message)
    {
        if (!_errors.TryGetValue(path, out var list))
        {
            list = [];
            _errors[path] = list;
        }
        if (!list.Contains(message))
        {
            list.Add(message);
        }
    }

    public static string Join(string parent, string name) => parent.Length == 0 ? name : parent + "." + name;

    public static string Index(string parent, int index) => $"{parent}[{index}]";
}

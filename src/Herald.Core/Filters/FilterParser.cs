using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Herald.Core.Validation;

namespace Herald.Core.Filters;

/// <summary>
/// Validates a filter document and compiles it into <see cref="FilterNode"/>s in one walk,
/// reporting each problem at its JSON path and going on, so a client sees them all.
/// </summary>
internal sealed class FilterParser
{
    private const string FieldOperatorList = "$eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $regex";

    // Building a non-backtracking regex costs about a millisecond, a hundred times the classic
    // engine, and an organization's endpoints are parsed again whenever one of them changes. Regex
    // instances are immutable and thread-safe, so each pattern is built once per process and shared.
    // Past the cap (an organization's endpoint limit) the cache starts over rather than growing.
    private const int RegexCacheCapacity = 10_000;
    private static readonly ConcurrentDictionary<(string Pattern, RegexOptions Options), Regex> Regexes = new();

    private readonly ValidationErrors _errors;
    private readonly string _rootPath;
    private readonly bool _stored;
    private int _conditions;
    private bool _reportedTooMany;

    public FilterParser(ValidationErrors errors, string rootPath, bool stored)
    {
        _errors = errors;
        _rootPath = rootPath;
        _stored = stored;
    }

    public bool Failed { get; private set; }

    public FilterNode? ParseFilter(JsonElement filter, string path, int depth)
    {
        if (depth > PayloadFilter.MaxDepth)
        {
            Fail(path, $"nests filters more than {PayloadFilter.MaxDepth} levels deep");
            return null;
        }

        var nodes = new List<FilterNode>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in filter.EnumerateObject())
        {
            var key = property.Name;
            var keyPath = ValidationErrors.Join(path, key);
            if (!seen.Add(key))
            {
                Fail(keyPath, "is given more than once");
                continue;
            }

            var node = key switch
            {
                "$and" => ParseList(property.Value, keyPath, depth, any: false),
                "$or" => ParseList(property.Value, keyPath, depth, any: true),
                "$not" => ParseNot(property.Value, keyPath, depth),
                _ when key.StartsWith('$') => UnknownAtFilterLevel(key, keyPath),
                _ => ParseField(key, property.Value, keyPath),
            };
            if (node is not null)
                nodes.Add(node);
        }

        return nodes.Count == 1 ? nodes[0] : new AllOf([.. nodes]);
    }

    private FilterNode? ParseList(JsonElement value, string path, int depth, bool any)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            Fail(path, "must be a non-empty array of filter objects");
            return null;
        }

        var nodes = new List<FilterNode>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = ValidationErrors.Index(path, i++);
            if (item.ValueKind != JsonValueKind.Object)
            {
                Fail(itemPath, "must be a filter object");
                continue;
            }
            if (ParseFilter(item, itemPath, depth + 1) is { } node)
                nodes.Add(node);
        }

        return any ? new AnyOf([.. nodes]) : new AllOf([.. nodes]);
    }

    private FilterNode? ParseNot(JsonElement value, string path, int depth)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            Fail(path, "must be a filter object");
            return null;
        }
        return ParseFilter(value, path, depth + 1) is { } node ? new Not(node) : null;
    }

    private FilterNode? UnknownAtFilterLevel(string key, string path)
    {
        Fail(path, IsFieldOperator(key)
            ? $"applies to a field: write {{\"<path>\": {{\"{key}\": …}}}}"
            : "is not a known operator: a filter's keys are field paths, $and, $or or $not");
        return null;
    }

    private FilterNode? ParseField(string key, JsonElement value, string path)
    {
        var fieldPath = FieldPath.TryCreate(key);
        if (fieldPath is null)
        {
            Fail(path, "must be a dotted path of non-empty names (data.score)");
            return null;
        }

        if (!IsOperatorObject(value))
        {
            Count();
            return new FieldCondition(fieldPath, [new EqualsTest(Literal.From(value))]);
        }

        var tests = ParseOperators(value, path);
        return tests is null ? null : new FieldCondition(fieldPath, tests);
    }

    // An object whose keys start with '$' holds operators; any other object is a value to compare
    // with, so {"data.meta": {}} means "equals the empty object", as in MongoDB.
    private static bool IsOperatorObject(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            return false;
        foreach (var property in value.EnumerateObject())
        {
            if (property.Name.StartsWith('$'))
                return true;
        }
        return false;
    }

    private FieldTest[]? ParseOperators(JsonElement operators, string path)
    {
        var tests = new List<FieldTest>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? pattern = null;
        string? patternPath = null;
        string? options = null;
        string? optionsPath = null;

        foreach (var property in operators.EnumerateObject())
        {
            var name = property.Name;
            var value = property.Value;
            var opPath = ValidationErrors.Join(path, name);
            if (!seen.Add(name))
            {
                Fail(opPath, "is given more than once");
                continue;
            }
            if (!name.StartsWith('$'))
            {
                Fail(opPath, "cannot be mixed with operators: a condition is either a value or an object of operators");
                continue;
            }
            if (name != "$options")
                Count();

            switch (name)
            {
                case "$eq":
                    tests.Add(new EqualsTest(Literal.From(value)));
                    break;
                case "$ne":
                    tests.Add(new Negated(new EqualsTest(Literal.From(value))));
                    break;
                case "$gt":
                    AddRange(tests, RangeOperator.GreaterThan, value, opPath);
                    break;
                case "$gte":
                    AddRange(tests, RangeOperator.GreaterThanOrEqual, value, opPath);
                    break;
                case "$lt":
                    AddRange(tests, RangeOperator.LessThan, value, opPath);
                    break;
                case "$lte":
                    AddRange(tests, RangeOperator.LessThanOrEqual, value, opPath);
                    break;
                case "$in":
                    if (ParseList(value, opPath) is { } included)
                        tests.Add(new InTest(included));
                    break;
                case "$nin":
                    if (ParseList(value, opPath) is { } excluded)
                        tests.Add(new Negated(new InTest(excluded)));
                    break;
                case "$exists":
                    if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                        tests.Add(new ExistsTest(value.ValueKind == JsonValueKind.True));
                    else
                        Fail(opPath, "must be true or false");
                    break;
                case "$regex":
                    if (value.ValueKind == JsonValueKind.String)
                    {
                        pattern = value.GetString();
                        patternPath = opPath;
                    }
                    else
                    {
                        Fail(opPath, "must be a string");
                    }
                    break;
                case "$options":
                    if (value.ValueKind == JsonValueKind.String)
                    {
                        options = value.GetString();
                        optionsPath = opPath;
                    }
                    else
                    {
                        Fail(opPath, "must be a string of regex flags (i, m, s, x)");
                    }
                    break;
                case "$and" or "$or" or "$not":
                    Fail(opPath, $"combines filters, not operators: write {{\"{name}\": …}} at filter level, around the field's condition");
                    break;
                default:
                    Fail(opPath, $"is not a known operator ({FieldOperatorList})");
                    break;
            }
        }

        if (optionsPath is not null && !seen.Contains("$regex"))
            Fail(optionsPath, "is allowed only with $regex");
        else if (pattern is not null && CompileRegex(pattern, patternPath!, options, optionsPath) is { } regex)
            tests.Add(new RegexTest(regex));

        return [.. tests];
    }

    private void AddRange(List<FieldTest> tests, RangeOperator op, JsonElement value, string path)
    {
        if (value.ValueKind is JsonValueKind.Number or JsonValueKind.String)
            tests.Add(new RangeTest(op, Literal.From(value)));
        else
            Fail(path, "must be a number or a string");
    }

    private Literal[]? ParseList(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            Fail(path, "must be an array");
            return null;
        }
        if (value.GetArrayLength() > PayloadFilter.MaxListLength)
        {
            Fail(path, $"must have at most {PayloadFilter.MaxListLength} values");
            return null;
        }
        return [.. value.EnumerateArray().Select(Literal.From)];
    }

    private Regex? CompileRegex(string pattern, string path, string? flags, string? flagsPath)
    {
        var options = RegexOptions.CultureInvariant;
        foreach (var flag in flags ?? "")
        {
            switch (flag)
            {
                case 'i': options |= RegexOptions.IgnoreCase; break;
                case 'm': options |= RegexOptions.Multiline; break;
                case 's': options |= RegexOptions.Singleline; break;
                case 'x': options |= RegexOptions.IgnorePatternWhitespace; break;
                default:
                    Fail(flagsPath!, "must be a string of regex flags (i, m, s, x)");
                    return null;
            }
        }

        if (pattern.Length > PayloadFilter.MaxPatternLength)
        {
            Fail(path, $"must be at most {PayloadFilter.MaxPatternLength} characters");
            return null;
        }

        // Filters run on every publish, once per endpoint, so a pattern must not be able to stall
        // it: the non-backtracking engine matches in time linear in the input, where (a+)+$ on
        // "aaaa…!" is exponential for the classic one. It refuses the constructs that only
        // backtracking can run, so those are refused here, when the endpoint is saved. Parsing is
        // linear in the pattern, so the length cap bounds compile time. Not RegexOptions.Compiled:
        // generating code for every endpoint's pattern costs more than it saves on short fields.
        options |= RegexOptions.NonBacktracking;
        try
        {
            if (Regexes.TryGetValue((pattern, options), out var cached))
                return cached;
            // No match timeout on this engine: its time is linear in the value, which the body limit
            // bounds, and a timeout would only make a busy machine drop matching events.
            var regex = new Regex(pattern, options, Regex.InfiniteMatchTimeout);
            if (Regexes.Count >= RegexCacheCapacity)
                Regexes.Clear();
            return Regexes.GetOrAdd((pattern, options), regex);
        }
        catch (NotSupportedException) when (_stored)
        {
            // Saved before such patterns were refused: the endpoint keeps its filter, on the classic
            // engine under the match timeout, until it is next saved.
            return CompileBacktracking(pattern, path, options & ~RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException e)
        {
            Fail(path, $"cannot run on the linear-time engine filters use, so backreferences, lookarounds, atomic groups and conditionals are not supported: {e.Message}");
            return null;
        }
        catch (ArgumentException e)
        {
            Fail(path, $"is not a valid regular expression: {e.Message}");
            return null;
        }
    }

    private Regex? CompileBacktracking(string pattern, string path, RegexOptions options)
    {
        try
        {
            return new Regex(pattern, options, PayloadFilter.RegexTimeout);
        }
        catch (ArgumentException e)
        {
            Fail(path, $"is not a valid regular expression: {e.Message}");
            return null;
        }
    }

    private static bool IsFieldOperator(string name) => name is
        "$eq" or "$ne" or "$gt" or "$gte" or "$lt" or "$lte" or "$in" or "$nin" or "$exists" or "$regex" or "$options";

    private void Count()
    {
        if (++_conditions > PayloadFilter.MaxConditions && !_reportedTooMany)
        {
            _reportedTooMany = true;
            Fail(_rootPath, $"must have at most {PayloadFilter.MaxConditions} conditions");
        }
    }

    public void Fail(string path, string message)
    {
        Failed = true;
        _errors.Add(path, message);
    }
}

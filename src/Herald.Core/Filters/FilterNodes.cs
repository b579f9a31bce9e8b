using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Herald.Core.Filters;

/// <summary>One node of a compiled filter: a predicate on the whole envelope.</summary>
internal abstract class FilterNode
{
    public abstract bool Matches(JsonElement envelope);
}

internal sealed class AllOf(FilterNode[] nodes) : FilterNode
{
    public override bool Matches(JsonElement envelope)
    {
        foreach (var node in nodes)
        {
            if (!node.Matches(envelope))
                return false;
        }
        return true;
    }
}

internal sealed class AnyOf(FilterNode[] nodes) : FilterNode
{
    public override bool Matches(JsonElement envelope)
    {
        foreach (var node in nodes)
        {
            if (node.Matches(envelope))
                return true;
        }
        return false;
    }
}

internal sealed class Not(FilterNode node) : FilterNode
{
    public override bool Matches(JsonElement envelope) => !node.Matches(envelope);
}

/// <summary>The tests written for one path, all of which must hold; the path is resolved once.</summary>
internal sealed class FieldCondition(FieldPath path, FieldTest[] tests) : FilterNode
{
    public override bool Matches(JsonElement envelope)
    {
        var found = path.TryResolve(envelope, out var value);
        foreach (var test in tests)
        {
            if (!test.Holds(found, value))
                return false;
        }
        return true;
    }
}

/// <summary>
/// A dotted path with its segments pre-encoded as UTF-8, so resolving it allocates nothing. A
/// segment names an object member; on an array, a segment in canonical decimal form (<c>0</c>,
/// <c>12</c>, not <c>01</c>) is an index. Anything else on the way — a scalar, null, an index out of
/// range, a name on an array — means the path is missing.
/// </summary>
internal sealed class FieldPath
{
    private readonly byte[][] _names;
    private readonly int[] _indexes;

    private FieldPath(byte[][] names, int[] indexes)
    {
        _names = names;
        _indexes = indexes;
    }

    /// <summary>Null when the path has an empty segment (<c>a..b</c>, a leading or trailing dot).</summary>
    public static FieldPath? TryCreate(string path)
    {
        var segments = path.Split('.');
        var names = new byte[segments.Length][];
        var indexes = new int[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0)
                return null;
            names[i] = Encoding.UTF8.GetBytes(segment);
            indexes[i] = AsIndex(segment);
        }
        return new FieldPath(names, indexes);
    }

    public bool TryResolve(JsonElement root, out JsonElement value)
    {
        value = root;
        for (var i = 0; i < _names.Length; i++)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    if (!value.TryGetProperty(_names[i], out value))
                        return false;
                    break;
                case JsonValueKind.Array:
                    var index = _indexes[i];
                    if (index < 0 || index >= value.GetArrayLength())
                        return false;
                    value = value[index];
                    break;
                default:
                    return false;
            }
        }
        return true;
    }

    // Only canonical forms index, so "01" or "+1" stay plain names and a path has one reading.
    private static int AsIndex(string segment)
    {
        if (segment.Length > 9 || (segment.Length > 1 && segment[0] == '0'))
            return -1;
        foreach (var c in segment)
        {
            if (c is < '0' or > '9')
                return -1;
        }
        return int.Parse(segment, System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>One operator applied to the value found at a path (or to its absence).</summary>
internal abstract class FieldTest
{
    public abstract bool Holds(bool found, JsonElement value);
}

/// <summary>
/// A test that holds when it holds for the value itself or, when the value is an array, for any of
/// its elements (one level deep), as in MongoDB: <c>{"data.tags": "urgent"}</c> selects events
/// tagged urgent. The negations (<c>$ne</c>, <c>$nin</c>) are <see cref="Negated"/> forms of these,
/// so they mean "no element".
/// </summary>
internal abstract class ElementTest : FieldTest
{
    public sealed override bool Holds(bool found, JsonElement value)
    {
        if (!found)
            return HoldsWhenMissing;
        if (HoldsFor(value))
            return true;
        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                if (HoldsFor(item))
                    return true;
            }
        }
        return false;
    }

    protected virtual bool HoldsWhenMissing => false;

    protected abstract bool HoldsFor(JsonElement value);
}

internal sealed class EqualsTest(Literal literal) : ElementTest
{
    // A missing field equals null, so {"x": null} selects "absent or null" and {"$ne": null}
    // "present and not null" (MongoDB's reading; $exists tells the two apart).
    protected override bool HoldsWhenMissing => literal.Kind == JsonValueKind.Null;

    protected override bool HoldsFor(JsonElement value) => literal.EqualTo(value);
}

internal sealed class InTest(Literal[] literals) : ElementTest
{
    private readonly bool _hasNull = literals.Any(l => l.Kind == JsonValueKind.Null);

    protected override bool HoldsWhenMissing => _hasNull;

    protected override bool HoldsFor(JsonElement value)
    {
        foreach (var literal in literals)
        {
            if (literal.EqualTo(value))
                return true;
        }
        return false;
    }
}

internal enum RangeOperator
{
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
}

/// <summary>
/// <c>$gt $gte $lt $lte</c> against a number (compared numerically) or a string (compared by code
/// point); a value of any other type does not satisfy them.
/// </summary>
internal sealed class RangeTest(RangeOperator op, Literal bound) : ElementTest
{
    protected override bool HoldsFor(JsonElement value)
    {
        int order;
        if (bound is NumberLiteral number && value.ValueKind == JsonValueKind.Number)
            order = number.OrderOf(value);
        else if (bound is StringLiteral text && value.ValueKind == JsonValueKind.String)
            order = text.OrderOf(value);
        else
            return false;

        return op switch
        {
            RangeOperator.GreaterThan => order > 0,
            RangeOperator.GreaterThanOrEqual => order >= 0,
            RangeOperator.LessThan => order < 0,
            _ => order <= 0,
        };
    }
}

internal sealed class RegexTest(Regex regex) : ElementTest
{
    // A match timeout surfaces as RegexMatchTimeoutException and is handled by PayloadFilter.Matches.
    protected override bool HoldsFor(JsonElement value) =>
        value.ValueKind == JsonValueKind.String && JsonStrings.IsMatch(value, regex);
}

internal sealed class ExistsTest(bool expected) : FieldTest
{
    public override bool Holds(bool found, JsonElement value) => found == expected;
}

internal sealed class Negated(FieldTest test) : FieldTest
{
    public override bool Holds(bool found, JsonElement value) => !test.Holds(found, value);
}

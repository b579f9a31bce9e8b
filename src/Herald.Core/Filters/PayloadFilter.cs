using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Core.Validation;

namespace Herald.Core.Filters;

/// <summary>
/// An endpoint's <c>filter</c>: conditions on the event's envelope, all of which
/// must hold for the event to reach the endpoint. The language — dotted paths, <c>$eq</c> … <c>$regex</c>,
/// <c>$and</c>/<c>$or</c>/<c>$not</c> — is specified in <c>docs/filters.md</c>.
/// </summary>
/// <remarks>
/// Parsed and validated once, when the endpoint is saved or loaded, into a tree of predicates;
/// <see cref="Matches"/> walks that tree over the envelope's <see cref="JsonElement"/> without
/// re-reading the filter and allocates nothing in the common cases. Instances are immutable and
/// safe to share between threads.
/// </remarks>
public sealed class PayloadFilter
{
    /// <summary>How deeply filter objects may nest through <c>$and</c>, <c>$or</c> and <c>$not</c>; the top level is 1.</summary>
    public const int MaxDepth = 10;

    /// <summary>The most conditions (a path with a value, or one operator on a path) a filter may hold.</summary>
    public const int MaxConditions = 100;

    /// <summary>The longest <c>$regex</c> pattern, in characters.</summary>
    public const int MaxPatternLength = 512;

    /// <summary>The most values one <c>$in</c> or <c>$nin</c> list may hold.</summary>
    public const int MaxListLength = 1000;

    /// <summary>
    /// How long one <c>$regex</c> on the classic engine (a pattern saved before backtracking
    /// constructs were refused) may run on one value before the whole filter is taken not to match.
    /// Patterns on the linear-time engine have no timeout.
    /// </summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(50);

    private readonly FilterNode _root;

    private PayloadFilter(FilterNode root) => _root = root;

    /// <summary>
    /// Parses and validates <paramref name="filter"/>. Each problem is added to
    /// <paramref name="errors"/> at <paramref name="path"/> plus its place inside the filter
    /// (<c>filter.data.score.$gt</c>, <c>filter.$or[1]</c>); the result is null when there was any.
    /// </summary>
    /// <param name="filter">The filter document.</param>
    /// <param name="errors">Where problems are reported.</param>
    /// <param name="path">The filter's path in the request body.</param>
    /// <param name="stored">
    /// True when reading a filter saved earlier rather than one being saved: a <c>$regex</c> that
    /// needs backtracking, accepted by versions before such patterns were refused, is then kept (on
    /// the classic engine, under <see cref="RegexTimeout"/>) instead of making the endpoint unreadable.
    /// </param>
    public static PayloadFilter? Parse(JsonObject filter, ValidationErrors errors, string path = "filter", bool stored = false)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(path);

        // Walking a JsonDocument rather than the nodes gives one representation for values parsed
        // from a body and values built in code, and raw number text for exact comparison.
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(filter.ToJsonString());
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            // Deeper than the reader's 64 levels, or a NaN/Infinity placed in a node by code.
            errors.Add(path, "must be a JSON object of at most 64 levels, with finite numbers");
            return null;
        }

        using (document)
        {
            var parser = new FilterParser(errors, path, stored);
            var root = parser.ParseFilter(document.RootElement, path, depth: 1);
            return parser.Failed || root is null ? null : new PayloadFilter(root);
        }
    }

    /// <summary>
    /// True when every condition holds for <paramref name="envelope"/>, the event as the envelope
    /// format renders it. A <c>$regex</c> that exceeds <see cref="RegexTimeout"/> makes the
    /// whole filter not match, even under <c>$not</c>.
    /// </summary>
    public bool Matches(JsonElement envelope)
    {
        try
        {
            return _root.Matches(envelope);
        }
        catch (RegexMatchTimeoutException)
        {
            // A pathological pattern must not hold up fan-out, and a timed-out condition has no
            // truth value: treating it as false inside $not would deliver the event, so the
            // filter as a whole fails closed and the endpoint does not receive it.
            return false;
        }
    }
}

namespace Herald.Core;

/// <summary>
/// Event type names and the <c>event_types</c> patterns endpoints subscribe with: an exact name
/// (<c>observation.created</c>) or a prefix ending in <c>*</c> (<c>inspection.*</c>, or <c>*</c>
/// for everything). Comparison is ordinal and case-sensitive.
/// </summary>
/// <remarks>
/// Operational types (<c>herald.…</c>) are opt-in: they reach an endpoint only through a pattern
/// that names them, never through an empty list or a bare <c>*</c>, so a receiver built for
/// business events is not surprised by Herald's own notifications.
/// </remarks>
public static class EventTypeMatcher
{
    /// <summary>The prefix of reserved, operational event types.</summary>
    public const string ReservedPrefix = "herald.";

    /// <summary>The longest type name or pattern accepted.</summary>
    public const int MaxLength = 256;

    /// <summary>True when <paramref name="eventType"/> is selected by <paramref name="patterns"/>.</summary>
    public static bool Matches(IReadOnlyList<string> patterns, string eventType)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        ArgumentNullException.ThrowIfNull(eventType);

        // Ordinal, as Herald names its own types: a differently cased name stored before such names
        // were refused keeps being delivered as the business event it was published as.
        var operational = eventType.StartsWith(ReservedPrefix, StringComparison.Ordinal);
        if (patterns.Count == 0)
            return !operational;

        for (var i = 0; i < patterns.Count; i++)
        {
            var pattern = patterns[i].AsSpan();
            if (pattern.Length > 0 && pattern[^1] == '*')
            {
                var prefix = pattern[..^1];
                if (operational && !prefix.StartsWith(ReservedPrefix, StringComparison.Ordinal))
                    continue;
                if (eventType.AsSpan().StartsWith(prefix, StringComparison.Ordinal))
                    return true;
            }
            else if (pattern.SequenceEqual(eventType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="pattern"/> is 1–256 characters of <c>[A-Za-z0-9._:-]</c> with at
    /// most one <c>*</c>, as its last character; otherwise <paramref name="error"/> says why.
    /// </summary>
    public static bool IsValidPattern(string pattern, out string? error)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var star = pattern.IndexOf('*', StringComparison.Ordinal);
        if (star >= 0 && star != pattern.Length - 1)
        {
            error = "'*' is allowed only once, as the last character";
            return false;
        }

        return IsValidName(star < 0 ? pattern : pattern.AsSpan(0, star), pattern.Length, out error);
    }

    /// <summary>
    /// True when <paramref name="name"/> is 1–256 characters of <c>[A-Za-z0-9._:-]</c>; otherwise
    /// <paramref name="error"/> says why. Reserved names pass; see <see cref="IsReserved"/>.
    /// </summary>
    public static bool IsValidTypeName(string name, out string? error)
    {
        ArgumentNullException.ThrowIfNull(name);
        return IsValidName(name, name.Length, out error);
    }

    /// <summary>
    /// True when <paramref name="name"/> is a valid type name (<see cref="IsValidTypeName"/>) made of
    /// non-empty dot-separated segments: <c>..</c>, <c>.</c>, <c>.ping</c> and <c>ping.</c> name nothing
    /// a pattern such as <c>inspection.*</c> could sensibly select. Event types are checked with this
    /// when published or declared; <c>entity_types</c> keep the plain character rule.
    /// </summary>
    public static bool IsValidEventTypeName(string name, out string? error)
    {
        if (!IsValidTypeName(name, out error))
            return false;

        if (name[0] == '.' || name[^1] == '.' || name.Contains("..", StringComparison.Ordinal))
        {
            error = "must be dot-separated segments, none of them empty (no leading, trailing or doubled '.')";
            return false;
        }
        return true;
    }

    /// <summary>
    /// True for operational types, which only Herald may publish. Case-insensitive, so that
    /// <c>HERALD.ping</c> cannot pass for one of Herald's own notifications in a receiver that
    /// compares types without regard to case.
    /// </summary>
    public static bool IsReserved(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsValidName(ReadOnlySpan<char> body, int totalLength, out string? error)
    {
        if (totalLength == 0)
        {
            error = "must not be empty";
            return false;
        }

        if (totalLength > MaxLength)
        {
            error = $"must be at most {MaxLength} characters";
            return false;
        }

        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-'))
            {
                error = $"character '{c}' at position {i} is not allowed (use letters, digits, '.', '_', ':' or '-')";
                return false;
            }
        }

        error = null;
        return true;
    }
}

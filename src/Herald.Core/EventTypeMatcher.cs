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

        var operational = IsReserved(eventType);
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

    /// <summary>True for operational types, which only Herald may publish.</summary>
    public static bool IsReserved(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.StartsWith(ReservedPrefix, StringComparison.Ordinal);
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

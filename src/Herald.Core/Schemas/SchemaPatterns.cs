using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Herald.Core.Schemas;

/// <summary>A <c>pattern</c> or <c>patternProperties</c> regular expression from a user's schema.</summary>
/// <remarks>
/// Schemas are written by tenants and run on every publish, so a pattern must not be able to
/// stall the server. Patterns run on the non-backtracking engine, whose matching is linear in the
/// input (bounded by the body limit, so no timeout); only those that need backtracking (backreferences, lookarounds) fall back to the
/// classic engine, bounded by <see cref="MatchTimeout"/>. The dialect is .NET's, which agrees
/// with ECMA-262 on what schemas use in practice.
/// </remarks>
internal sealed class SchemaPattern
{
    public const int MaxLength = 1000;

    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    private readonly Regex _regex;

    private SchemaPattern(string text, Regex regex)
    {
        Text = text;
        _regex = regex;
    }

    public string Text { get; }

    public static SchemaPattern? TryCreate(string text, out string? error)
    {
        error = null;
        if (text.Length > MaxLength)
        {
            error = $"is longer than {MaxLength} characters";
            return null;
        }
        try
        {
            try
            {
                // Linear in the input, which the body limit bounds: no timeout, which on a busy
                // machine would refuse a valid publish.
                return new SchemaPattern(text, new Regex(text, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, Regex.InfiniteMatchTimeout));
            }
            catch (NotSupportedException)
            {
                return new SchemaPattern(text, new Regex(text, RegexOptions.CultureInvariant, MatchTimeout));
            }
        }
        catch (ArgumentException ex)
        {
            error = $"is not a valid regular expression ({ex.Message})";
            return null;
        }
    }

    /// <exception cref="RegexMatchTimeoutException">The backtracking engine ran out of time.</exception>
    public bool IsMatch(string input) => _regex.IsMatch(input);
}

/// <summary>
/// The <c>format</c> values Herald asserts. Drafts 2019-09 and later make <c>format</c> an annotation
/// by default, but catalogue authors write it to mean a constraint, and an unasserted format would
/// let malformed timestamps through silently; formats not listed here are annotations.
/// </summary>
internal static partial class SchemaFormats
{
    public static Func<string, bool>? Find(string format) => format switch
    {
        "date-time" => IsDateTime,
        "date" => IsDate,
        "time" => IsTime,
        "email" => IsEmail,
        "hostname" => IsHostname,
        "ipv4" => IsIPv4,
        "ipv6" => IsIPv6,
        "uri" => IsUri,
        "uuid" => IsUuid,
        _ => null,
    };

    // RFC 3339 §5.6 date-time: "T" may be lower case, a space is not allowed.
    private static bool IsDateTime(string value)
    {
        var t = value.AsSpan().IndexOfAny('T', 't');
        return t > 0 && IsDate(value[..t]) && IsTime(value[(t + 1)..]);
    }

    private static bool IsDate(string value)
    {
        var match = DatePattern().Match(value);
        if (!match.Success)
        {
            return false;
        }
        var year = Number(match, 1);
        var month = Number(match, 2);
        var day = Number(match, 3);
        return month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year == 0 ? 2000 : year, month);
    }

    // RFC 3339 full-time: the offset is required; second 60 is a leap second.
    private static bool IsTime(string value)
    {
        var match = TimePattern().Match(value);
        return match.Success
            && Number(match, 1) <= 23 && Number(match, 2) <= 59 && Number(match, 3) <= 60
            && (!match.Groups[4].Success || (Number(match, 4) <= 23 && Number(match, 5) <= 59));
    }

    private static bool IsEmail(string value)
    {
        var at = value.LastIndexOf('@');
        if (at <= 0 || at == value.Length - 1 || value.AsSpan(0, at).ContainsAny(" \t\r\n"))
        {
            return false;
        }
        var domain = value[(at + 1)..];
        if (domain.StartsWith('[') && domain.EndsWith(']'))
        {
            var literal = domain[1..^1];
            return literal.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase) ? IsIPv6(literal[5..]) : IsIPv4(literal);
        }
        return IsHostname(domain);
    }

    private static bool IsHostname(string value) =>
        value.Length <= 253 && value.Split('.').All(label => HostnameLabelPattern().IsMatch(label));

    private static bool IsIPv4(string value) => IPv4Pattern().IsMatch(value);

    private static bool IsIPv6(string value) =>
        value.Contains(':') && !value.AsSpan().ContainsAny("%[]/")
        && IPAddress.TryParse(value, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6;

    // Uri.TryCreate alone would take "/path" as an absolute file URI on Unix.
    private static bool IsUri(string value) =>
        UriSchemePattern().IsMatch(value) && !value.AsSpan().ContainsAny(" \t\r\n")
        && Uri.TryCreate(value, UriKind.Absolute, out _);

    private static bool IsUuid(string value) => UuidPattern().IsMatch(value);

    private static int Number(Match match, int group) => int.Parse(match.Groups[group].ValueSpan, CultureInfo.InvariantCulture);

    [GeneratedRegex("^([0-9]{4})-([0-9]{2})-([0-9]{2})\\z")]
    private static partial Regex DatePattern();

    [GeneratedRegex("^([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\\.[0-9]+)?(?:[Zz]|[+-]([0-9]{2}):([0-9]{2}))\\z")]
    private static partial Regex TimePattern();

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\z")]
    private static partial Regex HostnameLabelPattern();

    [GeneratedRegex("^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\z")]
    private static partial Regex IPv4Pattern();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]*:")]
    private static partial Regex UriSchemePattern();

    [GeneratedRegex("^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\\z")]
    private static partial Regex UuidPattern();
}

using System.Text;
using Herald.Core;
using Herald.Core.Validation;
using Herald.Storage;

namespace Herald.Api;

/// <summary>List parameters shared by every list route: cursor, limit and a since/until window.</summary>
public sealed record ListParams(string? Cursor, int Limit, DateTimeOffset? Since, DateTimeOffset? Until);

public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 250;

    /// <summary>Reads cursor, limit, since and until from the query string, collecting errors.</summary>
    public static ListParams Read(HttpRequest request, ValidationErrors errors)
    {
        var limit = DefaultLimit;
        if (request.Query.TryGetValue("limit", out var limitText))
        {
            if (!int.TryParse(limitText, out limit) || limit < 1)
            {
                errors.Add("limit", "must be an integer from 1 to 250");
            }
            else if (limit > MaxLimit)
            {
                errors.Add("limit", "must be at most 250");
            }
        }
        string? cursor = null;
        if (request.Query.TryGetValue("cursor", out var cursorText) && !string.IsNullOrEmpty(cursorText))
        {
            cursor = DecodeCursor(cursorText!);
            if (cursor is null)
            {
                errors.Add("cursor", "is not a cursor returned by this list");
            }
        }
        var since = ReadTime(request, "since", errors);
        var until = ReadTime(request, "until", errors);
        if (since is { } s && until is { } u && u <= s)
        {
            errors.Add("until", "must be later than since");
        }
        return new ListParams(cursor, limit, since, until);
    }

    public static DateTimeOffset? ReadTime(HttpRequest request, string name, ValidationErrors errors)
    {
        if (!request.Query.TryGetValue(name, out var text) || string.IsNullOrEmpty(text))
        {
            return null;
        }
        if (!Times.TryParse(text, out var time))
        {
            errors.Add(name, "must be an RFC 3339 time with an offset, like 2026-11-22T23:15:00.000Z");
            return null;
        }
        return time;
    }

    public static string? Query(HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value.ToString() : null;

    // Cursors are opaque to clients: the encoding leaves room to change what they hold.
    public static string? EncodeCursor(string? raw) =>
        raw is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? DecodeCursor(string text)
    {
        if (text.Length > 400)
        {
            return null;
        }
        var base64 = text.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        try
        {
            var raw = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            return raw.Length > 0 && raw.All(c => c > ' ' && c < 127) ? raw : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static object Page<T>(Page<T> page, Func<T, object> map) =>
        new { data = page.Items.Select(map).ToArray(), next_cursor = EncodeCursor(page.NextCursor) };
}

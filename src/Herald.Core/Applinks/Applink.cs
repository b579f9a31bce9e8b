using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Herald.Core.Applinks;

/// <summary>
/// A CyberTracker applink that installs a webhook on a device (docs/applinks.md):
/// <c>https://cybertrackerwiki.org/applink?x=&lt;base64 of {"webhook": true, "url": …, "entity": …}&gt;</c>.
/// </summary>
/// <param name="Url">Where the device sends its records.</param>
/// <param name="Entity">The name the device shows when it asks to install the webhook; optional when decoding.</param>
public sealed record Applink(string Url, string? Entity)
{
    /// <summary>The link CyberTracker answers to; a device without the app lands on a page that links to it.</summary>
    public const string BaseUrl = "https://cybertrackerwiki.org/applink";

    /// <summary>
    /// The longest applink text <see cref="TryDecode"/> reads: a 2048-character url and a 200-character
    /// entity of 4-byte characters, base64-encoded and percent-escaped, fit well inside it.
    /// </summary>
    public const int MaxLength = 16384;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Entity names stay readable UTF-8 in the payload instead of \u escapes (shorter, so a smaller QR code).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonDocumentOptions ReadOptions = new()
    {
        MaxDepth = 64,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    /// <summary>The JSON the applink carries: <c>{"webhook":true,"url":…,"entity":…}</c>, compact, in the seed's field order.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("webhook", true);
            writer.WriteString("url", Url);
            if (Entity is not null)
            {
                writer.WriteString("entity", Entity);
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// The applink: <see cref="BaseUrl"/><c>?x=</c> and the standard, padded base64 of <see cref="ToJson"/>,
    /// as in the seed's example. <c>+</c> and <c>/</c> are percent-encoded because a query decoder may
    /// read <c>+</c> as a space; <c>=</c> is left as the seed shows it.
    /// </summary>
    public string ToLink()
    {
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(ToJson()));
        return BaseUrl + "?x=" + base64.Replace("+", "%2B", StringComparison.Ordinal).Replace("/", "%2F", StringComparison.Ordinal);
    }

    /// <summary>
    /// Reads an applink: any http(s) URL whose query has one <c>x</c> parameter, or the base64 payload
    /// alone. The payload may be standard or URL-safe base64, padded or not, percent-encoded or not.
    /// The JSON must be an object with <c>"webhook": true</c> and a string <c>url</c>; <c>entity</c>, when
    /// present, must be a string; other fields (settings of other applinks) are ignored.
    /// </summary>
    /// <param name="text">The applink or its payload.</param>
    /// <param name="applink">The webhook it describes, or null.</param>
    /// <param name="error">Why it could not be read, phrased to follow the word "applink", or null.</param>
    public static bool TryDecode(string text, out Applink? applink, out string? error)
    {
        applink = null;
        if (!TryDecodeJson(text, out var json, out error))
        {
            return false;
        }
        using var document = ParseJson(json!, out error);
        if (document is null)
        {
            return false;
        }
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = $"does not describe a webhook: its JSON is {Article(root.ValueKind)}, not an object";
            return false;
        }
        if (!root.TryGetProperty("webhook", out var webhook) || webhook.ValueKind != JsonValueKind.True)
        {
            error = webhook.ValueKind == JsonValueKind.Undefined
                ? "does not describe a webhook: its JSON has no \"webhook\": true (it may configure something else in CyberTracker)"
                : $"does not describe a webhook: \"webhook\" must be true, not {Excerpt(webhook.GetRawText())}";
            return false;
        }
        if (!root.TryGetProperty("url", out var url))
        {
            error = "describes a webhook without a url: its JSON has no \"url\"";
            return false;
        }
        if (url.ValueKind != JsonValueKind.String || url.GetString() is not { Length: > 0 } urlText)
        {
            error = url.ValueKind == JsonValueKind.String
                ? "describes a webhook with an empty url"
                : $"describes a webhook whose url is {Article(url.ValueKind)}, not a string";
            return false;
        }
        string? entity = null;
        if (root.TryGetProperty("entity", out var entityElement) && entityElement.ValueKind != JsonValueKind.Null)
        {
            if (entityElement.ValueKind != JsonValueKind.String)
            {
                error = $"describes a webhook whose entity is {Article(entityElement.ValueKind)}, not a string";
                return false;
            }
            entity = entityElement.GetString();
        }
        applink = new Applink(urlText, entity);
        return true;
    }

    /// <summary>
    /// The JSON text an applink carries, without checking what it says: the first half of
    /// <see cref="TryDecode"/>, for tools that show a payload as it is.
    /// </summary>
    public static bool TryDecodeJson(string text, out string? json, out string? error)
    {
        json = null;
        if (!TryFindPayload(text.Trim(), out var payload, out error))
        {
            return false;
        }
        if (!TryDecodeBase64(payload!, out var bytes, out error))
        {
            return false;
        }
        try
        {
            json = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes!);
        }
        catch (DecoderFallbackException)
        {
            error = "has an x parameter that does not decode to UTF-8 text";
            return false;
        }
        // A byte order mark is not JSON, but some encoders write one; it carries no meaning.
        json = json.TrimStart('\uFEFF');
        return true;
    }

    private static bool TryFindPayload(string text, out string? payload, out string? error)
    {
        payload = null;
        error = null;
        if (text.Length == 0)
        {
            error = "must not be empty";
            return false;
        }
        if (text.Length > MaxLength)
        {
            error = $"must be at most {MaxLength} characters";
            return false;
        }
        if (!text.Contains(':', StringComparison.Ordinal))
        {
            if (text.All(IsPayloadChar))
            {
                payload = text;
                return true;
            }
            error = $"is neither a URL nor a base64 payload: send {BaseUrl}?x=<base64> or the base64 alone";
            return false;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            error = $"is not a valid URL: an applink looks like {BaseUrl}?x=<base64>";
            return false;
        }
        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            error = $"must be an http or https URL, not {uri.Scheme}:";
            return false;
        }
        string? found = null;
        foreach (var part in uri.Query.TrimStart('?').Split('&'))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? part : part[..equals];
            if (Uri.UnescapeDataString(name) != "x")
            {
                continue;
            }
            if (found is not null)
            {
                error = "has more than one x parameter";
                return false;
            }
            found = equals < 0 ? "" : part[(equals + 1)..];
        }
        if (found is null)
        {
            error = $"has no x parameter in its query: an applink looks like {BaseUrl}?x=<base64>";
            return false;
        }
        if (found.Length == 0)
        {
            error = "has an empty x parameter";
            return false;
        }
        payload = found;
        return true;
    }

    // Both base64 alphabets, padding and percent escapes. A space is refused here, where it would mean
    // a sentence, but read as '+' inside a URL's query, where a form decoder may have made it one.
    private static bool IsPayloadChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '-' or '_' or '=' or '%';

    private static bool TryDecodeBase64(string payload, out byte[]? bytes, out string? error)
    {
        bytes = null;
        error = null;
        // A broken escape is left as it is, and its '%' is reported below.
        var unescaped = Uri.UnescapeDataString(payload);
        var normalized = new StringBuilder(unescaped.Length + 2);
        var padding = 0;
        for (var i = 0; i < unescaped.Length; i++)
        {
            var c = unescaped[i];
            if (c == '=')
            {
                padding++;
                continue;
            }
            if (padding > 0)
            {
                error = $"has an x parameter that is not valid base64: '=' padding may only end it (at character {i + 1})";
                return false;
            }
            switch (c)
            {
                case >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '+' or '/':
                    normalized.Append(c);
                    break;
                case '-' or ' ':
                    normalized.Append('+');
                    break;
                case '_':
                    normalized.Append('/');
                    break;
                default:
                    error = $"has an x parameter that is not valid base64: '{Printable(c)}' at character {i + 1} is neither standard nor URL-safe base64";
                    return false;
            }
        }
        var remainder = normalized.Length % 4;
        if (normalized.Length == 0 || remainder == 1 || padding > 2 || (padding > 0 && (normalized.Length + padding) % 4 != 0))
        {
            error = $"has an x parameter that is not valid base64: {normalized.Length} characters{(padding > 0 ? $" and {padding} '='" : "")} cannot be a base64 length";
            return false;
        }
        if (remainder != 0)
        {
            normalized.Append('=', 4 - remainder);
        }
        var buffer = new byte[normalized.Length / 4 * 3];
        if (!Convert.TryFromBase64String(normalized.ToString(), buffer, out var written))
        {
            error = "has an x parameter that is not valid base64";
            return false;
        }
        bytes = buffer[..written];
        return true;
    }

    private static JsonDocument? ParseJson(string json, out string? error)
    {
        error = null;
        try
        {
            if (Validation.JsonUtf16.FindUnpaired(Encoding.UTF8.GetBytes(json)) is { } unpaired)
            {
                error = $"has an x parameter whose JSON is not Unicode text once decoded: {(unpaired.Path == "$" ? "its top level" : unpaired.Path)} {unpaired.Reason}";
                return null;
            }
            return JsonDocument.Parse(json, ReadOptions);
        }
        catch (JsonException e)
        {
            var message = e.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            error = $"has an x parameter that is not JSON once decoded: {(cut > 0 ? message[..cut] : message)}";
            return null;
        }
    }

    private static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "a string",
    };

    private static string Excerpt(string json) => json.Length <= 40 ? json : json[..40] + "…";

    private static string Printable(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? $"\\u{(int)c:X4}" : c.ToString();
}

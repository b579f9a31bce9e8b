using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Core.Validation;

/// <summary>A request body read in full and parsed as one JSON object.</summary>
/// <param name="Raw">The bytes as received.</param>
/// <param name="Document">The parsed document (disposed with this body).</param>
/// <param name="Object">The top-level object, over <paramref name="Document"/>.</param>
public sealed record JsonBody(byte[] Raw, JsonDocument Document, JsonObject Object) : IDisposable
{
    /// <summary>The deepest nesting a body may have.</summary>
    public const int MaxDepth = 64;

    private static readonly JsonDocumentOptions ParseOptions = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    /// <summary>Releases the parsed document.</summary>
    public void Dispose() => Document.Dispose();

    /// <summary>
    /// Parses <paramref name="raw"/> as one JSON object; null with the reason in <paramref name="error"/>
    /// when it is not valid UTF-8, not JSON, holds a string that is no Unicode text, or is not an object.
    /// </summary>
    public static JsonBody? Parse(byte[] raw, out JsonBodyError error)
    {
        error = default;
        // The JSON reader checks structure, not the UTF-8 inside strings: a body with invalid bytes
        // would fail later, mid-validation, or be stored with replacement characters.
        if (!System.Text.Unicode.Utf8.IsValid(raw))
        {
            error = JsonBodyError.Malformed("The body is not valid UTF-8.");
            return null;
        }
        // Well-formed JSON may still hold a string that is no Unicode text ("\ud800"): refused here, at
        // its path, before the parser, the database or a receiver has to decode it.
        if (JsonUtf16.FindUnpaired(raw) is { } unpaired)
        {
            error = JsonBodyError.Invalid(unpaired.Path, unpaired.Reason);
            return null;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(raw, ParseOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            error = JsonBodyError.Malformed($"The body is not valid JSON{where}: {Describe(e)}");
            return null;
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            error = JsonBodyError.Invalid("$", "the body must be a JSON object");
            return null;
        }
        return new JsonBody(raw, document, JsonObject.Create(document.RootElement)!);
    }

    private static string Describe(JsonException e)
    {
        var message = e.Message;
        foreach (var marker in (string[])[" LineNumber:", " Path:"])
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }
        return message;
    }
}

/// <summary>Why a body is not a JSON object: malformed (a bad request) or invalid at a path (unprocessable).</summary>
/// <param name="Path">The JSON path of the invalid value; null when the body is malformed.</param>
/// <param name="Message">The detail of a malformed body, or the reason at <paramref name="Path"/>.</param>
public readonly record struct JsonBodyError(string? Path, string Message)
{
    /// <summary>The body cannot be read as JSON at all.</summary>
    public static JsonBodyError Malformed(string detail) => new(null, detail);

    /// <summary>The body is JSON, but the value at <paramref name="path"/> is not acceptable.</summary>
    public static JsonBodyError Invalid(string path, string reason) => new(path, reason);
}

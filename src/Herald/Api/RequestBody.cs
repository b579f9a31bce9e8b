using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Api;

/// <summary>A request body read in full, parsed as a JSON object; or the problem to answer with.</summary>
public sealed record JsonBody(byte[] Raw, JsonDocument Document, JsonObject Object) : IDisposable
{
    public void Dispose() => Document.Dispose();
}

public static class RequestBody
{
    public const long DefaultLimit = 1024 * 1024;
    public const int MaxDepth = 64;

    private static readonly JsonDocumentOptions ParseOptions = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    /// <summary>Reads and parses the body; returns a problem result for a wrong media type, a too-large or malformed body.</summary>
    public static async Task<(JsonBody? Body, IResult? Problem)> ReadObjectAsync(HttpContext context, long limit, bool mergePatch = false)
    {
        var (raw, problem) = await ReadBytesAsync(context, limit, mergePatch);
        return problem is not null ? (null, problem) : ParseObject(raw!);
    }

    /// <summary>Parses bytes already read as one JSON object.</summary>
    public static (JsonBody? Body, IResult? Problem) ParseObject(byte[] raw)
    {
        // The JSON reader checks structure, not the UTF-8 inside strings: a body with invalid bytes
        // would fail later, mid-validation, or be stored with replacement characters.
        if (!System.Text.Unicode.Utf8.IsValid(raw))
        {
            return (null, Problems.BadRequest("The body is not valid UTF-8."));
        }
        // Well-formed JSON may still hold a string that is no Unicode text ("\ud800"): refused here, at
        // its path, before the parser, the database or a receiver has to decode it.
        if (Core.Validation.JsonUtf16.FindUnpaired(raw) is { } unpaired)
        {
            return (null, Problems.Validation(unpaired.Path, unpaired.Reason));
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(raw, ParseOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            return (null, Problems.BadRequest($"The body is not valid JSON{where}: {Describe(e)}"));
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            return (null, Problems.Validation("$", "the body must be a JSON object"));
        }
        return (new JsonBody(raw, document, JsonObject.Create(document.RootElement)!), null);
    }

    public static async Task<(byte[]? Raw, IResult? Problem)> ReadBytesAsync(HttpContext context, long limit, bool mergePatch = false)
    {
        var contentType = context.Request.ContentType;
        if (!string.IsNullOrEmpty(contentType) && !IsJson(contentType, mergePatch))
        {
            return (null, Problems.Status(415, "Unsupported Media Type",
                mergePatch ? "Send application/merge-patch+json or application/json." : "Send the body as application/json."));
        }
        if (context.Request.ContentLength > limit)
        {
            return (null, Problems.TooLarge(limit));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return (null, Problems.TooLarge(limit));
            }
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
        {
            return (null, Problems.BadRequest("The request body is empty; send a JSON object."));
        }
        return (buffer.ToArray(), null);
    }

    private static bool IsJson(string contentType, bool mergePatch)
    {
        var media = contentType.Split(';')[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mergePatch && media.Equals("application/merge-patch+json", StringComparison.OrdinalIgnoreCase))
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
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

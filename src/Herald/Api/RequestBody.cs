using Herald.Core.Validation;

namespace Herald.Api;

public static class RequestBody
{
    public const long DefaultLimit = 1024 * 1024;

    /// <summary>Reads and parses the body; returns a problem result for a wrong media type, a too-large or malformed body.</summary>
    public static async Task<(JsonBody? Body, IResult? Problem)> ReadObjectAsync(HttpContext context, long limit, bool mergePatch = false)
    {
        var (raw, problem) = await ReadBytesAsync(context, limit, mergePatch);
        return problem is not null ? (null, problem) : ParseObject(raw!);
    }

    /// <summary>Parses bytes already read as one JSON object.</summary>
    public static (JsonBody? Body, IResult? Problem) ParseObject(byte[] raw) =>
        JsonBody.Parse(raw, out var error) is { } body ? (body, null) : (null, Problem(error));

    /// <summary>A malformed body is a 400; a value that is no Unicode text, or a body that is no object, a 422 at its path.</summary>
    public static IResult Problem(JsonBodyError error) =>
        error.Path is { } path ? Problems.Validation(path, error.Message) : Problems.BadRequest(error.Message);

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
}

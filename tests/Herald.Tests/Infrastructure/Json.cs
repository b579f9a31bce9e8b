using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Tests.Infrastructure;

/// <summary>JSON over HTTP for tests: bodies go out as written, answers come back as <see cref="JsonNode"/>.</summary>
public static class Json
{
    /// <summary>For named CLR types: the API is snake_case; dictionary keys are kept.</summary>
    public static JsonSerializerOptions SnakeCase { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>For anonymous objects and nodes: names exactly as the test wrote them.</summary>
    public static JsonSerializerOptions Verbatim { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// The request body for <paramref name="body"/>: a <see cref="JsonNode"/>, <see cref="JsonElement"/> or
    /// anonymous object is written verbatim; a <see cref="string"/> or <see cref="byte"/> array is sent as
    /// raw JSON text (malformed on purpose, if the test wants); other objects are serialized in snake_case.
    /// </summary>
    public static HttpContent Content(object? body, string mediaType = "application/json")
    {
        var content = body switch
        {
            byte[] bytes => new ByteArrayContent(bytes),
            string text => new ByteArrayContent(Encoding.UTF8.GetBytes(text)),
            _ => new ByteArrayContent(Encoding.UTF8.GetBytes(Serialize(body))),
        };
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType) { CharSet = mediaType == "application/json" ? "utf-8" : null };
        return content;
    }

    public static string Serialize(object? body) => body switch
    {
        null => "null",
        string text => text,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        JsonNode node => node.ToJsonString(Verbatim),
        JsonElement element => element.GetRawText(),
        JsonDocument document => document.RootElement.GetRawText(),
        _ when IsAnonymous(body.GetType()) => JsonSerializer.Serialize(body, body.GetType(), Verbatim),
        _ => JsonSerializer.Serialize(body, body.GetType(), SnakeCase),
    };

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object? body, CancellationToken cancellationToken = default) =>
        client.PostAsync(url, Content(body), cancellationToken);

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string url, object? body, CancellationToken cancellationToken = default) =>
        client.PutAsync(url, Content(body), cancellationToken);

    /// <summary>PATCH with JSON Merge Patch (RFC 7396) by default.</summary>
    public static Task<HttpResponseMessage> PatchJsonAsync(
        this HttpClient client, string url, object? body, string mediaType = "application/merge-patch+json", CancellationToken cancellationToken = default) =>
        client.PatchAsync(url, Content(body, mediaType), cancellationToken);

    /// <summary>The response body as JSON; the failure names the status and shows the body when it is not JSON.</summary>
    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonNode.Parse(text) ?? throw new InvalidOperationException("the body is the JSON literal null");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"{Describe(response)} did not return a JSON value ({e.Message}). Body: {Truncate(text)}", e);
        }
    }

    /// <summary>Asserts the status (showing the body when it differs) and returns the body as JSON.</summary>
    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        await response.ExpectStatusAsync(expected);
        return await response.ReadJsonAsync();
    }

    /// <summary>Asserts the status; the failure message carries the response body (a problem+json detail, say).</summary>
    public static async Task<HttpResponseMessage> ExpectStatusAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.Fail($"Expected {(int)expected} {expected} from {Describe(response)} but got {(int)response.StatusCode} {response.StatusCode}. Body: {Truncate(text)}");
        }
        return response;
    }

    /// <summary>
    /// The node at a path such as <c>data[0].signature.secret</c>, or null when any step is missing.
    /// Steps are property names and <c>[index]</c>s.
    /// </summary>
    public static JsonNode? At(this JsonNode? node, string path)
    {
        var current = node;
        var i = 0;
        while (current is not null && i < path.Length)
        {
            if (path[i] == '.' && ++i == path.Length)
            {
                break;
            }
            if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                if (close < 0)
                {
                    throw new ArgumentException($"Unclosed '[' in path '{path}'.", nameof(path));
                }
                var index = int.Parse(path.AsSpan(i + 1, close - i - 1), CultureInfo.InvariantCulture);
                current = current is JsonArray array && index >= 0 && index < array.Count ? array[index] : null;
                i = close + 1;
            }
            else
            {
                var end = path.IndexOfAny(['.', '['], i);
                if (end < 0)
                {
                    end = path.Length;
                }
                var name = path[i..end];
                current = current is JsonObject obj && obj.TryGetPropertyValue(name, out var child) ? child : null;
                i = end;
            }
        }
        return current;
    }

    /// <summary>The string at <paramref name="path"/>; fails with the whole document when it is missing or not a string.</summary>
    public static string Str(this JsonNode node, string path)
    {
        var value = node.At(path);
        if (value is JsonValue v && v.TryGetValue<string>(out var text))
        {
            return text;
        }
        Assert.Fail($"Expected a string at '{path}' in {node.ToJsonString(Verbatim)}");
        return "";
    }

    /// <summary>Asserts two JSON texts/nodes are the same value (property order ignored); shows both when not.</summary>
    public static void AssertEqual(object? expected, JsonNode? actual)
    {
        var want = JsonNode.Parse(Serialize(expected));
        if (!JsonNode.DeepEquals(want, actual))
        {
            Assert.Fail($"JSON differs.\nExpected: {want?.ToJsonString(Verbatim) ?? "null"}\nActual:   {actual?.ToJsonString(Verbatim) ?? "null"}");
        }
    }

    private static bool IsAnonymous(Type type) =>
        type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false)
        && type.Name.Contains("AnonymousType", StringComparison.Ordinal);

    private static string Describe(HttpResponseMessage response) =>
        response.RequestMessage is { } request ? $"{request.Method} {request.RequestUri}" : "the response";

    private static string Truncate(string text) => text.Length <= 4000 ? text : text[..4000] + "…";
}

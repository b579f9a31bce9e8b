using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Tests.Fuzz;

/// <summary>The mutation classes; each is applied to every route where it makes sense.</summary>
public static class FuzzClass
{
    public const string Valid = "valid";
    public const string JsonTruncated = "json.truncated";
    public const string JsonTrailingGarbage = "json.trailing_garbage";
    public const string JsonNanInfinity = "json.nan_infinity";
    public const string JsonBom = "json.bom";
    public const string JsonInvalidUtf8 = "json.invalid_utf8";
    public const string JsonDeepNesting = "json.deep_nesting";
    public const string JsonHugeNumber = "json.huge_number";
    public const string JsonDuplicateKeys = "json.duplicate_keys";
    public const string JsonNotObject = "json.not_object";
    public const string WrongType = "field.wrong_type";
    public const string UnknownField = "field.unknown";
    public const string HugeString = "field.huge_string";
    public const string HugeArray = "field.huge_array";
    public const string InvalidValue = "field.invalid_value";
    public const string EmptyBody = "body.empty";
    public const string TooLarge = "body.too_large";
    public const string WrongContentType = "content_type.wrong";
    public const string AuthMissing = "auth.missing";
    public const string AuthGarbage = "auth.garbage";
    public const string AuthRole = "auth.role";
    public const string IdJunk = "id.junk";
    public const string IdForeign = "id.foreign";
    public const string HeaderInjection = "headers.crlf";
    public const string QueryJunk = "query.junk";
    public const string BadMethod = "method.bad";
    public const string IdempotencyKey = "idempotency.bad_key";
    public const string UnknownPath = "path.unknown";
    public const string LoneSurrogate = "json.lone_surrogate";
    public const string OverlongNumber = "json.overlong_number";
    public const string QuerySurrogate = "query.surrogate";
    public const string BadChunking = "body.bad_chunking";
    public const string FormSurrogate = "form.lone_surrogate";
    public const string FormNumber = "form.bad_number";
    public const string FormTooManyFields = "form.too_many_fields";

    /// <summary>Classes that send a (broken) request body; they apply to routes that read one.</summary>
    public static readonly string[] BodyClasses =
    [
        JsonTruncated, JsonTrailingGarbage, JsonNanInfinity, JsonBom, JsonInvalidUtf8, JsonDeepNesting, JsonHugeNumber,
        JsonDuplicateKeys, JsonNotObject, WrongType, UnknownField, HugeString, HugeArray, InvalidValue, EmptyBody, TooLarge,
        WrongContentType, LoneSurrogate, OverlongNumber, BadChunking,
    ];

    /// <summary>Classes whose requests are large or slow to build; the random fill leaves them out to bound the run.</summary>
    public static readonly HashSet<string> Expensive = [HugeString, HugeArray, TooLarge, JsonDeepNesting, FormTooManyFields];
}

/// <summary>What a route's path parameter names.</summary>
public enum IdKind
{
    Endpoint,
    Event,
    Delivery,
    Key,
    EventType,
}

/// <summary>The least a caller needs for a route.</summary>
public enum Need
{
    Nothing,
    Viewer,
    Publisher,
    Admin,
    Operator,
}

/// <summary>One hostile (or valid) request, and what the server may answer.</summary>
public sealed class FuzzRequest
{
    public required string Route { get; init; }
    public required string Class { get; init; }
    public required string Method { get; init; }

    /// <summary>Path and query exactly as they go on the wire (already percent-encoded where meant to be).</summary>
    public required string Path { get; init; }

    public byte[]? Body { get; init; }

    /// <summary>Null: no Content-Type header at all.</summary>
    public string? ContentType { get; init; }

    /// <summary>The whole Authorization header value; null: none sent.</summary>
    public string? Authorization { get; init; }

    /// <summary>The operator key sees every organization (GET /v1/orgs): its answers are not checked for leaks.</summary>
    public bool AsOperator { get; init; }

    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];

    /// <summary>Sent over a raw socket: paths HttpClient would normalise, non-ASCII headers, bodies past the limits.</summary>
    public bool Raw { get; init; }

    public bool Chunked { get; init; }

    /// <summary>A chunked body framed by hand, sent after the headers exactly as given (bad sizes, missing CRLFs); <see cref="Body"/> is then null.</summary>
    public byte[]? Framed { get; init; }

    /// <summary>A dashboard page: its refusals are HTML pages, except those raised while reading the request (framing, form limits).</summary>
    public bool Dashboard { get; init; }

    /// <summary>The statuses the contract allows for this request; null: anything below 500.</summary>
    public IReadOnlyCollection<int>? Expect { get; init; }

    /// <summary>A 2xx is legitimate (reads, or input the contract lets a server tolerate); what it creates is tracked.</summary>
    public bool MayAccept { get; init; }

    public string Note { get; init; } = "";

    public string Describe()
    {
        var body = Framed is not null ? $" chunked framing={Preview(Framed)}" : Body is null ? "" : $" body({Body.Length} B)={Preview(Body)}";
        var auth = Authorization is null ? " [no Authorization]" : Authorization.StartsWith("Bearer hk_", StringComparison.Ordinal) ? "" : $" [Authorization: {Clip(Authorization, 60)}]";
        var type = ContentType is null ? "" : $" [Content-Type: {ContentType}]";
        var headers = string.Concat(Headers.Select(h => $" [{h.Name}: {Clip(h.Value, 60)}]"));
        var note = Note.Length > 0 ? $" ({Note})" : "";
        return $"{Method} {Clip(Path, 200)}{auth}{type}{headers}{body}{note}";
    }

    private static string Preview(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
        return Clip(text.Replace("\r", "\\r", StringComparison.Ordinal).ReplaceLineEndings("\\n"), 300);
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..max] + $"…[{text.Length} chars]";
}

/// <summary>A route as the fuzzer knows it: the path parameter, the role it needs and the body it reads.</summary>
public sealed record RouteSpec(string Method, string Template, IdKind? Param, Need Need, BodySpec? Body, bool IsList)
{
    public string Name => $"{Method} {Template}";

    public bool IsPublic => Need == Need.Nothing;
}

/// <summary>
/// The JSON body a route reads: a valid body to start from (numbered so names stay unique), the fields
/// that are required (null there is wrong; elsewhere it means "absent"), the fields whose content is
/// free-form (never descended into), and values that have the right JSON type but are invalid.
/// </summary>
public sealed record BodySpec(
    Func<int, JsonObject> Valid,
    string[] Required,
    string[] Opaque,
    Func<int, IEnumerable<(string Path, JsonNode? Value)>> InvalidValues,
    bool HasHeaders = false,
    bool Creates = false,
    string[]? NoBoolean = null,
    string[]? EntityNames = null);

/// <summary>
/// What the fuzzer attacks with: the keys of organization B (the attacker's own tenant), B's real
/// resources, and organization A's real ids, names and a marker, which must never reach B.
/// </summary>
public sealed record FuzzWorld
{
    public required string OperatorKey { get; init; }
    public required string OwnOrgId { get; init; }
    public required string AdminB { get; init; }
    public required string PublisherB { get; init; }
    public required string ViewerB { get; init; }
    public required string RevokedB { get; init; }
    public required IReadOnlyDictionary<IdKind, string> OwnIds { get; init; }
    public required IReadOnlyDictionary<IdKind, string> ForeignIds { get; init; }

    /// <summary>Everything of A's that B must never see: ids, names, the marker in A's urls and data.</summary>
    public required IReadOnlyList<string> ForeignTokens { get; init; }

    public required string ForeignOrgName { get; init; }
    public required string ForeignEventType { get; init; }
    public required string ForeignResourceId { get; init; }
    public required string ReceiverUrl { get; init; }
    public required string QuietUrl { get; init; }

    /// <summary>B's fixture endpoint the PUT/PATCH attacks aim at, as its body (name, url, and the rest).</summary>
    public required JsonObject OwnEndpointBody { get; init; }

    public required string OwnEndpointName { get; init; }
    public required string OwnEventTypeWithSchema { get; init; }
    public required string OwnIdempotencyKey { get; init; }
    public required string ValidApplink { get; init; }

    /// <summary>The Cookie header of a dashboard session signed in with B's admin key, and its CSRF token.</summary>
    public required string DashboardCookie { get; init; }

    public required string DashboardCsrf { get; init; }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herald.Tests.Fuzz;

/// <summary>
/// Builds hostile requests for every route from a fixed seed. <see cref="Variants"/> lists, per route and
/// mutation class, the ways to build one; a coverage pass builds each once and a random fill draws from
/// the cheap ones until the budget is spent, so every applicable (route, class) pair is hit.
/// </summary>
public sealed class HostileRequestGenerator(FuzzWorld world, Random random)
{
    private const string DefaultAuth = "\u0001default";
    private const string Placeholder = "__FUZZ_RAW__";

    private static readonly int[] Status400 = [400];
    private static readonly int[] Status401 = [401];
    private static readonly int[] Status403 = [403];
    private static readonly int[] Status404 = [404];
    private static readonly int[] Status405 = [405];
    private static readonly int[] Status413 = [413];
    private static readonly int[] Status415 = [415];
    private static readonly int[] Status422 = [422];
    private static readonly int[] Status200 = [200];
    private static readonly int[] TooBig = [413, 422];
    private static readonly int[] Invalid = [409, 422];
    private static readonly int[] ListAnswers = [200, 422];
    private static readonly int[] DeadPath = [401, 404, 405];

    private static readonly string[] AllMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "FOO", "PROPFIND"];

    private int _counter;

    public static IReadOnlyDictionary<IdKind, string> Prefixes { get; } = new Dictionary<IdKind, string>
    {
        [IdKind.Endpoint] = "ep",
        [IdKind.Event] = "evt",
        [IdKind.Delivery] = "dlv",
        [IdKind.Key] = "key",
        [IdKind.EventType] = "",
    };

    /// <summary>Every (route, class) pair that applies, with the ways to build a request for it.</summary>
    public Dictionary<(string Route, string Class), List<Func<FuzzRequest>>> Variants(IReadOnlyList<RouteSpec> routes)
    {
        var all = new Dictionary<(string, string), List<Func<FuzzRequest>>>();
        void Add(string route, string cls, IEnumerable<Func<FuzzRequest>> makers)
        {
            var list = makers.ToList();
            if (list.Count > 0)
            {
                all[(route, cls)] = list;
            }
        }
        var methodsByTemplate = routes.GroupBy(r => r.Template).ToDictionary(g => g.Key, g => g.Select(r => r.Method).ToHashSet());
        foreach (var route in routes)
        {
            if (route.Body is { } body)
            {
                Add(route.Name, FuzzClass.JsonTruncated, Truncated(route, body));
                Add(route.Name, FuzzClass.JsonTrailingGarbage, TrailingGarbage(route, body));
                Add(route.Name, FuzzClass.JsonNanInfinity, NanInfinity(route, body));
                Add(route.Name, FuzzClass.JsonBom, Bom(route, body));
                Add(route.Name, FuzzClass.JsonInvalidUtf8, InvalidUtf8(route, body));
                Add(route.Name, FuzzClass.JsonDeepNesting, DeepNesting(route, body));
                Add(route.Name, FuzzClass.JsonHugeNumber, HugeNumbers(route, body));
                Add(route.Name, FuzzClass.JsonDuplicateKeys, DuplicateKeys(route, body));
                Add(route.Name, FuzzClass.JsonNotObject, NotObject(route));
                Add(route.Name, FuzzClass.WrongType, WrongTypes(route, body));
                Add(route.Name, FuzzClass.UnknownField, UnknownFields(route, body));
                Add(route.Name, FuzzClass.HugeString, HugeStrings(route, body));
                Add(route.Name, FuzzClass.HugeArray, HugeArrays(route, body));
                Add(route.Name, FuzzClass.InvalidValue, InvalidValues(route, body));
                Add(route.Name, FuzzClass.EmptyBody, EmptyBodies(route));
                Add(route.Name, FuzzClass.TooLarge, TooLarge(route, body));
                Add(route.Name, FuzzClass.WrongContentType, WrongContentTypes(route, body));
                if (body.HasHeaders)
                {
                    Add(route.Name, FuzzClass.HeaderInjection, HeaderInjection(route, body));
                }
                Add(route.Name, FuzzClass.LoneSurrogate, LoneSurrogates(route, body));
                Add(route.Name, FuzzClass.OverlongNumber, OverlongNumbers(route, body));
                Add(route.Name, FuzzClass.BadChunking, BadChunking(route, "application/json", "[]", Status422, dashboard: false));
            }
            if (route.Method == "GET")
            {
                Add(route.Name, FuzzClass.QuerySurrogate, QuerySurrogates(route));
            }
            Add(route.Name, FuzzClass.AuthMissing, [() => Make(route, FuzzClass.AuthMissing, ValidBody(route), auth: null, expect: route.IsPublic ? Status200 : Status401)]);
            Add(route.Name, FuzzClass.AuthGarbage, AuthGarbage(route));
            Add(route.Name, FuzzClass.AuthRole, Roles(route));
            Add(route.Name, FuzzClass.BadMethod, BadMethods(route, methodsByTemplate[route.Template]));
            if (route.Param is { } kind)
            {
                Add(route.Name, FuzzClass.IdJunk, JunkIds(route, kind));
            }
            Add(route.Name, FuzzClass.IdForeign, ForeignIds(route));
            if (route.IsList)
            {
                Add(route.Name, FuzzClass.QueryJunk, QueryJunk(route));
            }
            if (route.Name == "POST /v1/events")
            {
                Add(route.Name, FuzzClass.IdempotencyKey, IdempotencyKeys(route));
            }
        }
        foreach (var ((name, cls), makers) in DashboardForms())
        {
            Add(name, cls, makers);
        }
        foreach (var (name, makers) in UnknownPaths())
        {
            Add(name, FuzzClass.UnknownPath, makers.Where(m => m.Class == FuzzClass.UnknownPath).Select(m => m.Make));
            Add(name, FuzzClass.AuthMissing, makers.Where(m => m.Class == FuzzClass.AuthMissing).Select(m => m.Make));
        }
        return all;
    }

    // ---- building blocks ----

    private int Next() => Interlocked.Increment(ref _counter);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(JsonNode node) => node.ToJsonString(Json.Verbatim);

    private string Bearer(string key) => "Bearer " + key;

    private string KeyFor(RouteSpec route) => route.Need switch
    {
        Need.Operator => world.OperatorKey,
        Need.Publisher => world.PublisherB,
        _ => world.AdminB,
    };

    /// <summary>The route's path with B's own real id in it (so a body attack reaches the body, not a 404).</summary>
    private string OwnPath(RouteSpec route) => route.Param is { } kind ? PathWith(route, Uri.EscapeDataString(world.OwnIds[kind])) : route.Template;

    private static string PathWith(RouteSpec route, string wireId)
    {
        var open = route.Template.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            return route.Template;
        }
        var close = route.Template.IndexOf('}', open);
        return route.Template[..open] + wireId + route.Template[(close + 1)..];
    }

    private byte[]? ValidBody(RouteSpec route) => route.Body is { } body ? Utf8(Text(body.Valid(Next()))) : null;

    private FuzzRequest Make(
        RouteSpec route, string cls, byte[]? body, string? contentType = "application/json", string? path = null, string? auth = DefaultAuth,
        IReadOnlyCollection<int>? expect = null, bool raw = false, bool chunked = false, bool mayAccept = false, string note = "",
        IReadOnlyList<(string, string)>? headers = null, string? method = null, byte[]? framed = null)
    {
        var key = auth == DefaultAuth ? (route.IsPublic ? null : Bearer(KeyFor(route))) : auth;
        return new FuzzRequest
        {
            Route = route.Name,
            Class = cls,
            Method = method ?? route.Method,
            Path = path ?? OwnPath(route),
            Body = body,
            ContentType = body is null && framed is null ? null : contentType,
            Authorization = key,
            AsOperator = key is not null && key.Contains(world.OperatorKey, StringComparison.Ordinal),
            Headers = headers ?? [],
            // HttpClient stops reading once its upload fails, so a server that refuses a large body early looks like a broken connection.
            Raw = raw || framed is not null || (key is not null && !Ascii(key)) || body?.Length > 900_000,
            Chunked = chunked,
            Framed = framed,
            Expect = expect,
            MayAccept = mayAccept,
            Note = note,
        };
    }

    private static bool Ascii(string text) => text.All(c => c is >= ' ' and < (char)127);

    /// <summary>The valid body with one value swapped for raw JSON text (or bytes) no serializer would write.</summary>
    private static byte[] Splice(JsonObject body, string path, byte[] raw)
    {
        var text = Text(JsonPaths.With(body, path, Placeholder));
        var marker = Utf8("\"" + Placeholder + "\"");
        var bytes = Utf8(text);
        var at = bytes.AsSpan().IndexOf(marker);
        return [.. bytes[..at], .. raw, .. bytes[(at + marker.Length)..]];
    }

    private static string FirstString(JsonObject body) =>
        body.FirstOrDefault(p => JsonPaths.Kind(p.Value) == JsonValueKind.String).Key ?? body.First().Key;

    private static string FirstNumberOrField(JsonObject body, BodySpec spec) =>
        JsonPaths.Walk(body, spec.Opaque).FirstOrDefault(p => JsonPaths.Kind(p.Value) == JsonValueKind.Number).Path ?? body.First().Key;

    private IEnumerable<(string Path, JsonNode? Value)> Fields(BodySpec spec, JsonObject body) =>
        JsonPaths.Walk(body, spec.Opaque).Where(p => !IsFreeValue(spec, p.Path));

    /// <summary>Fields any JSON value is valid for (the event's data).</summary>
    private static bool IsFreeValue(BodySpec spec, string path) => path == "data" && spec.Opaque.Contains("data");

    // ---- malformed JSON ----

    private IEnumerable<Func<FuzzRequest>> Truncated(RouteSpec route, BodySpec spec)
    {
        foreach (var cut in new[] { 1, 2, -1, 0 })
        {
            yield return () =>
            {
                var text = Utf8(Text(spec.Valid(Next())));
                var at = cut switch { 0 => random.Next(1, text.Length - 1), -1 => text.Length - 1, 2 => text.Length / 2, _ => 1 };
                return Make(route, FuzzClass.JsonTruncated, text[..at], expect: Status400, note: $"cut at {at}");
            };
        }
        yield return () => Make(route, FuzzClass.JsonTruncated, Utf8("{\""), expect: Status400);
        yield return () => Make(route, FuzzClass.JsonTruncated, Utf8("{\"" + FirstString(spec.Valid(0)) + "\":"), expect: Status400);
    }

    private IEnumerable<Func<FuzzRequest>> TrailingGarbage(RouteSpec route, BodySpec spec)
    {
        foreach (var suffix in new[] { "x", "}", "{}", "\0", ",", "]", " // comment", "/* c */", "\"tail\"", " 1", "\u00a0" })
        {
            yield return () => Make(route, FuzzClass.JsonTrailingGarbage, Utf8(Text(spec.Valid(Next())) + suffix), expect: Status400, note: $"suffix {JsonSerializer.Serialize(suffix)}");
        }
        yield return () => Make(route, FuzzClass.JsonTrailingGarbage, Utf8("// comment\n" + Text(spec.Valid(Next()))), expect: Status400, note: "leading comment");
        yield return () =>
        {
            var text = Text(spec.Valid(Next()));
            return Make(route, FuzzClass.JsonTrailingGarbage, Utf8(text[..^1] + ",}"), expect: Status400, note: "trailing comma");
        };
        yield return () =>
        {
            var body = spec.Valid(Next());
            var text = Text(body).Replace("\"", "'", StringComparison.Ordinal);
            return Make(route, FuzzClass.JsonTrailingGarbage, Utf8(text), expect: Status400, note: "single quotes");
        };
    }

    private IEnumerable<Func<FuzzRequest>> NanInfinity(RouteSpec route, BodySpec spec)
    {
        foreach (var token in new[] { "NaN", "Infinity", "-Infinity", "nan", "+Infinity", "inf", "undefined", "0x10", "01", ".5", "1.", "+1", "1e", "--1" })
        {
            yield return () =>
            {
                var body = spec.Valid(Next());
                var path = FirstNumberOrField(body, spec);
                return Make(route, FuzzClass.JsonNanInfinity, Splice(body, path, Utf8(token)), expect: Status400, note: $"{path}={token}");
            };
        }
    }

    private IEnumerable<Func<FuzzRequest>> Bom(RouteSpec route, BodySpec spec)
    {
        // RFC 8259 lets a parser ignore a UTF-8 BOM, so on a create route acceptance is tolerated (and tracked).
        var utf8Expect = spec.Creates ? new[] { 400, 201, 202 } : Status400;
        yield return () => Make(route, FuzzClass.JsonBom, [0xEF, 0xBB, 0xBF, .. Utf8(Text(spec.Valid(Next())))], expect: utf8Expect, mayAccept: spec.Creates, note: "UTF-8 BOM");
        yield return () => Make(route, FuzzClass.JsonBom, [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, .. Utf8(Text(spec.Valid(Next())))], expect: Status400, note: "two BOMs");
        yield return () => Make(route, FuzzClass.JsonBom, [0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes(Text(spec.Valid(Next())))], expect: Status400, note: "UTF-16BE");
        yield return () => Make(route, FuzzClass.JsonBom, [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(Text(spec.Valid(Next())))], expect: Status400, note: "UTF-16LE");
        yield return () => Make(route, FuzzClass.JsonBom, [0xFF, 0xFE, 0, 0, .. Encoding.UTF32.GetBytes(Text(spec.Valid(Next())))], expect: Status400, note: "UTF-32LE");
    }

    private IEnumerable<Func<FuzzRequest>> InvalidUtf8(RouteSpec route, BodySpec spec)
    {
        byte[][] sequences =
        [
            [0xFF], [0xFE, 0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xC3], [0xE0, 0x80, 0xAF],
        ];
        foreach (var sequence in sequences)
        {
            yield return () =>
            {
                var body = spec.Valid(Next());
                var path = FirstString(body);
                return Make(route, FuzzClass.JsonInvalidUtf8, Splice(body, path, [(byte)'"', (byte)'a', .. sequence, (byte)'b', (byte)'"']),
                    expect: Status400, note: $"{path} has {Convert.ToHexString(sequence)}");
            };
        }
        yield return () =>
        {
            var text = Utf8(Text(spec.Valid(Next())));
            return Make(route, FuzzClass.JsonInvalidUtf8, [(byte)'{', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)',', .. text[1..]],
                expect: Status400, note: "invalid bytes in a key");
        };
        foreach (var free in spec.Opaque.Where(o => spec.Valid(0).ContainsKey(o)))
        {
            // Free-form members (the event's data, triggered_by, a filter, metadata, a schema) are kept as JSON: bad bytes there too,
            // in a value of a type the member allows, so the bytes are the only thing wrong.
            yield return () => Make(route, FuzzClass.JsonInvalidUtf8, Splice(spec.Valid(Next()), free, [(byte)'{', (byte)'"', (byte)'k', (byte)'"', (byte)':', (byte)'"', (byte)'a', 0xFF, (byte)'b', (byte)'"', (byte)'}']),
                expect: Status400, note: $"{free} has a value with FF");
            yield return () => Make(route, FuzzClass.JsonInvalidUtf8, Splice(spec.Valid(Next()), free, [(byte)'{', (byte)'"', 0xC0, 0xAF, (byte)'"', (byte)':', (byte)'1', (byte)'}']),
                expect: Status400, note: $"{free} has a key with C0AF");
        }
    }

    private IEnumerable<Func<FuzzRequest>> DeepNesting(RouteSpec route, BodySpec spec)
    {
        const int Depth = 10_000;
        yield return () => Make(route, FuzzClass.JsonDeepNesting, Utf8(new string('[', Depth) + new string(']', Depth)), expect: Status400, note: "root arrays");
        yield return () =>
        {
            var body = spec.Valid(Next());
            var path = FirstString(body);
            return Make(route, FuzzClass.JsonDeepNesting, Splice(body, path, Utf8(new string('[', Depth) + new string(']', Depth))), expect: Status400, note: $"{path} arrays");
        };
        yield return () =>
        {
            var body = spec.Valid(Next());
            var nested = new StringBuilder();
            for (var i = 0; i < Depth; i++)
            {
                nested.Append("{\"a\":");
            }
            nested.Append('1').Append('}', Depth);
            return Make(route, FuzzClass.JsonDeepNesting, Splice(body, body.Last().Key, Utf8(nested.ToString())), expect: Status400, note: $"{body.Last().Key} objects");
        };
        yield return () => Make(route, FuzzClass.JsonDeepNesting, Utf8("{\"a\":" + new string('[', Depth)), expect: Status400, note: "unclosed");
    }

    private IEnumerable<Func<FuzzRequest>> HugeNumbers(RouteSpec route, BodySpec spec)
    {
        string[] numbers = ["1e400", "-1e400", "1e999999999", "123456789012345678901234567890123456789012345678901234567890", "-0.0e-999999"];
        var paths = Fields(spec, spec.Valid(0)).Select(p => p.Path).ToList();
        for (var i = 0; i < paths.Count; i++)
        {
            var path = paths[i];
            var number = numbers[i % 4];
            if (path == "retry.jitter" || path == "rate_limit")
            {
                number = numbers[i % 2];
            }
            yield return () => Make(route, FuzzClass.JsonHugeNumber, Splice(spec.Valid(Next()), path, Utf8(number)), expect: Status422, note: $"{path}={number}");
        }
        yield return () => Make(route, FuzzClass.JsonHugeNumber, Utf8("1e400"), expect: Status422, note: "root");
    }

    private IEnumerable<Func<FuzzRequest>> DuplicateKeys(RouteSpec route, BodySpec spec)
    {
        yield return () =>
        {
            var body = spec.Valid(Next());
            var (name, value) = body.First();
            var text = Text(body);
            return Make(route, FuzzClass.JsonDuplicateKeys, Utf8(text[..^1] + $",\"{name}\":{Text(value!)}}}"), expect: Status400, note: $"{name} twice, same value");
        };
        yield return () =>
        {
            var body = spec.Valid(Next());
            var name = FirstString(body);
            var text = Text(body);
            return Make(route, FuzzClass.JsonDuplicateKeys, Utf8("{" + $"\"{name}\":\"first\"," + text[1..]), expect: Status400, note: $"{name} twice, other value");
        };
        yield return () =>
        {
            var body = spec.Valid(Next());
            var nested = Fields(spec, body).FirstOrDefault(p => p.Value is JsonObject { Count: > 0 });
            if (nested.Path is null)
            {
                var text = Text(body);
                return Make(route, FuzzClass.JsonDuplicateKeys, Utf8(text[..^1] + ",\"x\":1,\"x\":2}"), expect: Status400, note: "unknown key twice");
            }
            var inner = (JsonObject)nested.Value!;
            var (name, value) = inner.First();
            var duplicated = Text(inner)[..^1] + $",\"{name}\":{Text(value!)}}}";
            return Make(route, FuzzClass.JsonDuplicateKeys, Splice(body, nested.Path, Utf8(duplicated)), expect: Status400, note: $"{nested.Path}.{name} twice");
        };
    }

    private IEnumerable<Func<FuzzRequest>> NotObject(RouteSpec route)
    {
        foreach (var text in new[] { "[]", "[{}]", "\"string\"", "42", "null", "true", "false", "-0", "\"\"" })
        {
            yield return () => Make(route, FuzzClass.JsonNotObject, Utf8(text), expect: Status422, note: text);
        }
    }

    // ---- well-formed JSON with the wrong content ----

    private IEnumerable<Func<FuzzRequest>> WrongTypes(RouteSpec route, BodySpec spec)
    {
        var sample = spec.Valid(0);
        foreach (var (path, value) in Fields(spec, sample))
        {
            var current = JsonPaths.Kind(value) is JsonValueKind.False ? JsonValueKind.True : JsonPaths.Kind(value);
            foreach (var kind in new[] { JsonValueKind.String, JsonValueKind.Number, JsonValueKind.True, JsonValueKind.Array, JsonValueKind.Object, JsonValueKind.Null })
            {
                if (kind == current)
                {
                    continue;
                }
                // null means "absent" for an optional member (and "remove" in a merge patch): wrong only where a value is required.
                if (kind == JsonValueKind.Null && !spec.Required.Contains(path) && !JsonPaths.IsItem(path))
                {
                    continue;
                }
                if (kind == JsonValueKind.True && spec.NoBoolean?.Contains(path) == true)
                {
                    continue;
                }
                JsonNode? replacement = kind switch
                {
                    JsonValueKind.String => "wrong-type",
                    JsonValueKind.Number => 42,
                    JsonValueKind.True => true,
                    JsonValueKind.Array => new JsonArray("x", 1),
                    JsonValueKind.Object => new JsonObject { ["x"] = 1 },
                    _ => null,
                };
                yield return () => Make(route, FuzzClass.WrongType, Utf8(Text(JsonPaths.With(spec.Valid(Next()), path, replacement))),
                    expect: Status422, note: $"{path} as {kind}");
            }
        }
    }

    private IEnumerable<Func<FuzzRequest>> UnknownFields(RouteSpec route, BodySpec spec)
    {
        var sample = spec.Valid(0);
        var objects = Fields(spec, sample).Where(p => p.Value is JsonObject && !spec.Opaque.Contains(p.Path)).Select(p => p.Path).Prepend("").ToList();
        foreach (var path in objects)
        {
            yield return () =>
            {
                var body = spec.Valid(Next());
                var target = path.Length == 0 ? body : (JsonObject)JsonPaths.Walk(body, spec.Opaque).Single(p => p.Path == path).Value!;
                target["zz_unknown"] = 1;
                return Make(route, FuzzClass.UnknownField, Utf8(Text(body)), expect: Status422, note: $"{(path.Length == 0 ? "" : path + ".")}zz_unknown");
            };
        }
        var first = sample.First().Key;
        foreach (var name in new[] { first.ToUpperInvariant(), "__proto__", "constructor", "", "🚀", "na\u0000me", first + " ", "$type" })
        {
            yield return () =>
            {
                var body = spec.Valid(Next());
                body[name] = new JsonObject { ["polluted"] = true };
                return Make(route, FuzzClass.UnknownField, Utf8(Text(body)), expect: Status422, note: $"member {JsonSerializer.Serialize(name)}");
            };
        }
    }

    private IEnumerable<Func<FuzzRequest>> HugeStrings(RouteSpec route, BodySpec spec)
    {
        var paths = Fields(spec, spec.Valid(0)).Where(p => JsonPaths.Kind(p.Value) == JsonValueKind.String).Select(p => p.Path).ToList();
        for (var i = 0; i < paths.Count; i++)
        {
            var path = paths[i];
            var flavour = i % 3;
            yield return () =>
            {
                var value = flavour switch
                {
                    0 => new string('A', 1_000_000),
                    1 => string.Concat(Enumerable.Repeat("é", 330_000)),
                    _ => string.Concat(Enumerable.Repeat("😀", 80_000)), // written as \uD83D\uDE00: 12 bytes each

                };
                return Make(route, FuzzClass.HugeString, Utf8(Text(JsonPaths.With(spec.Valid(Next()), path, value))), expect: TooBig,
                    note: $"{path} is {value.Length} chars ({(flavour == 0 ? "ASCII" : flavour == 1 ? "é" : "emoji")})");
            };
        }
        yield return () =>
        {
            var body = spec.Valid(Next());
            var path = FirstString(body);
            return Make(route, FuzzClass.HugeString, Splice(body, path, Utf8("\"" + string.Concat(Enumerable.Repeat("\\u0000", 150_000)) + "\"")),
                expect: TooBig, note: $"{path} is 150000 escaped NULs");
        };
    }

    private IEnumerable<Func<FuzzRequest>> HugeArrays(RouteSpec route, BodySpec spec)
    {
        const int Items = 100_000;
        var arrays = Fields(spec, spec.Valid(0)).Where(p => p.Value is JsonArray).ToList();
        foreach (var (path, value) in arrays)
        {
            var item = ((JsonArray)value!).FirstOrDefault() switch
            {
                JsonObject => "{}",
                JsonValue v when v.GetValueKind() == JsonValueKind.String => "\"a\"",
                _ => "1",
            };
            yield return () => Make(route, FuzzClass.HugeArray, Splice(spec.Valid(Next()), path, Utf8("[" + string.Join(",", Enumerable.Repeat(item, Items)) + "]")),
                expect: TooBig, note: $"{path} has {Items} items");
        }
        yield return () =>
        {
            var body = spec.Valid(Next());
            var path = FirstString(body);
            return Make(route, FuzzClass.HugeArray, Splice(body, path, Utf8("[" + string.Join(",", Enumerable.Repeat("\"a\"", Items)) + "]")),
                expect: TooBig, note: $"{path} is an array of {Items}");
        };
        yield return () => Make(route, FuzzClass.HugeArray, Utf8("[" + string.Join(",", Enumerable.Repeat("{}", Items)) + "]"), expect: TooBig, note: "root array");
    }

    private IEnumerable<Func<FuzzRequest>> InvalidValues(RouteSpec route, BodySpec spec)
    {
        foreach (var (path, value) in spec.InvalidValues(0))
        {
            yield return () =>
            {
                var body = spec.Valid(Next());
                if (value is JsonValue v && v.TryGetValue<string>(out var s) && s == Routes.Remove)
                {
                    body.Remove(path);
                }
                else
                {
                    body = JsonPaths.With(body, path, value);
                }
                if (route.Name == "POST /v1/events" && path == "type" && value is JsonValue typed && typed.TryGetValue<string>(out var typeName) && typeName == world.OwnEventTypeWithSchema)
                {
                    body["data"] = new JsonObject { ["score"] = "not a number" };
                }
                var shown = value is null ? "null" : Text(value);
                return Make(route, FuzzClass.InvalidValue, Utf8(Text(body)), expect: Invalid, note: $"{path}={(shown.Length > 80 ? shown[..80] + "…" : shown)}");
            };
        }
        foreach (var applink in spec.EntityNames ?? [])
        {
            yield return () => Make(route, FuzzClass.InvalidValue, Utf8(Text(new JsonObject { ["applink"] = applink })), expect: Invalid, note: "applink entity as the name");
        }
    }

    private IEnumerable<Func<FuzzRequest>> EmptyBodies(RouteSpec route)
    {
        yield return () => Make(route, FuzzClass.EmptyBody, [], expect: Status400, note: "Content-Length 0");
        yield return () => Make(route, FuzzClass.EmptyBody, [], contentType: null, expect: Status400, note: "no Content-Type, no body");
        yield return () => Make(route, FuzzClass.EmptyBody, Utf8("   "), expect: Status400, note: "spaces");
        yield return () => Make(route, FuzzClass.EmptyBody, Utf8("\r\n\t"), expect: Status400, note: "white space");
        yield return () => Make(route, FuzzClass.EmptyBody, [0], expect: Status400, note: "one NUL byte");
    }

    private IEnumerable<Func<FuzzRequest>> TooLarge(RouteSpec route, BodySpec spec)
    {
        // Past the 1 MiB body limit: once with Content-Length (refused before reading), once chunked (refused while reading).
        yield return () =>
        {
            var body = spec.Valid(Next());
            return Make(route, FuzzClass.TooLarge, Utf8(Text(JsonPaths.With(body, FirstString(body), new string('L', 1_100_000)))),
                expect: Status413, raw: true, note: "1.1 MB with Content-Length");
        };
        yield return () =>
        {
            var body = spec.Valid(Next());
            return Make(route, FuzzClass.TooLarge, Utf8(Text(JsonPaths.With(body, FirstString(body), new string('L', 2_500_000)))),
                expect: Status413, raw: true, chunked: true, note: "2.5 MB chunked");
        };
    }

    private IEnumerable<Func<FuzzRequest>> WrongContentTypes(RouteSpec route, BodySpec spec)
    {
        string[] types =
        [
            "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "garbage",
            "application/jsonx", "text/json", "application/json-seq", "image/png", "application", "*/*", ";;;", "text/html; charset=utf-8",
        ];
        foreach (var type in types)
        {
            yield return () => Make(route, FuzzClass.WrongContentType, Utf8(Text(spec.Valid(Next()))), contentType: type, expect: Status415, note: type);
        }
        yield return () => Make(route, FuzzClass.WrongContentType, Utf8("name=x&role=admin&url=http%3A%2F%2Fexample.org"),
            contentType: "application/x-www-form-urlencoded", expect: Status415, note: "a form");
    }

    private IEnumerable<Func<FuzzRequest>> HeaderInjection(RouteSpec route, BodySpec spec)
    {
        static JsonArray One(string name, string value, bool sensitive = false) =>
            new(new JsonObject { ["name"] = name, ["value"] = value, ["sensitive"] = sensitive });
        (string Path, JsonNode Value)[] attacks =
        [
            ("headers", One("X-A\r\nInjected: 1", "v")),
            ("headers", One("X-A", "v\r\nInjected: 1")),
            ("headers", One("X-A", "v\nInjected: 1")),
            ("headers", One("X-A", "v\rInjected: 1")),
            ("headers", One("X-A", "v\u0000x")),
            ("headers", One("X-A", "v\r\n\r\nGET /evil HTTP/1.1\r\nHost: evil", sensitive: true)),
            ("headers", One("X-A\n", "v")),
            ("headers", One(" X-A", "v")),
            ("headers", One("X-A:", "v")),
            ("headers", One("X A", "v")),
            ("headers", One("X-Ä", "v")),
            ("headers", One("", "v")),
            ("headers", One("Host", "evil.example")),
            ("headers", One("Content-Length", "0")),
            ("headers", One("Transfer-Encoding", "chunked")),
            ("headers", One("webhook-signature", "v1,forged")),
            ("headers", One("authorization", "Bearer stolen")),
            ("headers", new JsonArray(new JsonObject { ["name"] = "X-A", ["value"] = "1" }, new JsonObject { ["name"] = "x-a", ["value"] = "2" })),
            ("auth.username", "u\r\nInjected: 1"),
            ("auth.password", "p\r\nInjected: 1"),
            ("signature", new JsonObject { ["scheme"] = "ushahidi", ["header"] = "X-Sig\r\nInjected: 1" }),
            ("signature", new JsonObject { ["scheme"] = "ushahidi", ["header"] = "X-Sig: 1" }),
            ("signature", new JsonObject { ["scheme"] = "ushahidi", ["header"] = "X-Sig\n" }),
            ("headers", One("X-A\r\n", "v")),
            ("headers", One("X-Trailing\n", "v", sensitive: true)),
            ("url", world.QuietUrl + "\r\nInjected: 1"),
            ("url", world.QuietUrl + "\r\n\r\nGET /evil HTTP/1.1"),
            ("method", "POST\r\nInjected: 1"),
        ];
        foreach (var (path, value) in attacks)
        {
            yield return () => Make(route, FuzzClass.HeaderInjection, Utf8(Text(JsonPaths.With(spec.Valid(Next()), path, value))),
                expect: Status422, note: $"{path}={Text(value)}");
        }
    }

    // ---- strings that are no UTF-16, numbers no double holds, broken chunked framing ----

    private static readonly string[] Unpaired = ["\\ud800", "a\\udc00\\ud800b", "\\uDBFF", "x\\udfff", "\\ud83d\\u0041"];

    private IEnumerable<Func<FuzzRequest>> LoneSurrogates(RouteSpec route, BodySpec spec)
    {
        var sample = spec.Valid(0);
        var strings = Fields(spec, sample).Where(p => JsonPaths.Kind(p.Value) == JsonValueKind.String).Select(p => p.Path).ToList();
        for (var i = 0; i < strings.Count; i++)
        {
            var path = strings[i];
            var escape = Unpaired[i % Unpaired.Length];
            yield return () => Make(route, FuzzClass.LoneSurrogate, Splice(spec.Valid(Next()), path, Utf8($"\"{escape}\"")), expect: Status422, note: $"{path}=\"{escape}\"");
        }
        foreach (var free in spec.Opaque.Where(o => sample.ContainsKey(o)))
        {
            // Free-form members are kept as JSON: an unpaired escape in a nested value and in a nested key.
            yield return () => Make(route, FuzzClass.LoneSurrogate, Splice(spec.Valid(Next()), free, Utf8("{\"k\":[\"ok\",\"\\ud800\"]}")),
                expect: Status422, note: $"{free}.k[1]=\"\\ud800\"");
            yield return () => Make(route, FuzzClass.LoneSurrogate, Splice(spec.Valid(Next()), free, Utf8("{\"\\udc00\\ud800\":1}")),
                expect: Status422, note: $"{free} has the key \"\\udc00\\ud800\"");
        }
        yield return () =>
        {
            var text = Text(spec.Valid(Next()));
            return Make(route, FuzzClass.LoneSurrogate, Utf8("{\"\\ud800\":1," + text[1..]), expect: Status422, note: "a top-level key \"\\ud800\"");
        };
        if (route.Name == "POST /v1/events")
        {
            // A valid pair stays accepted.
            yield return () => Make(route, FuzzClass.LoneSurrogate, Splice(spec.Valid(Next()), "data", Utf8("{\"s\":\"\\ud83d\\ude00\"}")),
                expect: [202], mayAccept: true, note: "data.s is a valid pair");
        }
    }

    private IEnumerable<Func<FuzzRequest>> OverlongNumbers(RouteSpec route, BodySpec spec)
    {
        var digits = "1" + new string('7', 399);
        string[] refused = [digits, "-" + digits, "1e400", "-1e400", digits + ".5", digits + "e400"];
        // Values a number field may well accept (they read as zero): sent only where what they create is tracked.
        string[] zeroes = ["-0", "1e-400", "-0.0", "0e999", "0." + new string('0', 400) + "1"];
        var fields = Fields(spec, spec.Valid(0)).Where(p => !IsFreeValue(spec, p.Path)).ToList();
        for (var i = 0; i < fields.Count; i++)
        {
            var (path, value) = fields[i];
            var number = refused[i % refused.Length];
            yield return () => Make(route, FuzzClass.OverlongNumber, Splice(spec.Valid(Next()), path, Utf8(number)), expect: Status422, note: $"{path}={Clip(number)}");
            if (JsonPaths.Kind(value) == JsonValueKind.Number)
            {
                foreach (var other in refused.Where(n => n != number))
                {
                    yield return () => Make(route, FuzzClass.OverlongNumber, Splice(spec.Valid(Next()), path, Utf8(other)), expect: Status422, note: $"{path}={Clip(other)}");
                }
                if (spec.Creates)
                {
                    foreach (var zero in zeroes)
                    {
                        yield return () => Make(route, FuzzClass.OverlongNumber, Splice(spec.Valid(Next()), path, Utf8(zero)), mayAccept: true, note: $"{path}={Clip(zero)}");
                    }
                }
            }
        }
        // Free-form members keep their numbers as written; accepting them is fine where what is created is tracked.
        foreach (var free in spec.Creates ? spec.Opaque.Where(o => spec.Valid(0).ContainsKey(o)) : [])
        {
            yield return () => Make(route, FuzzClass.OverlongNumber, Splice(spec.Valid(Next()), free, Utf8($"{{\"n\":{digits},\"e\":1e400,\"z\":-0,\"t\":1e-400}}")),
                mayAccept: true, note: $"{free} holds overlong numbers");
        }
    }

    private static string Clip(string text) => text.Length > 24 ? text[..12] + $"…[{text.Length} chars]" : text;

    /// <summary>
    /// Chunked bodies framed wrongly: sizes no number holds, that are no hex, negative, a chunk without its
    /// CRLF or shorter than its size — refused with 400 while the body is read. Extensions and trailers are
    /// valid framing around <paramref name="payload"/>, answered as that payload deserves.
    /// </summary>
    private IEnumerable<Func<FuzzRequest>> BadChunking(RouteSpec route, string contentType, string payload, int[] payloadExpect, bool dashboard)
    {
        var n = Encoding.ASCII.GetByteCount(payload).ToString("x", CultureInfo.InvariantCulture);
        (string Note, string Wire, int[] Expect)[] framings =
        [
            ("size FFFFFFFFFFFFFFFFFFFF", $"FFFFFFFFFFFFFFFFFFFF\r\n{payload}\r\n0\r\n\r\n", Status400),
            ("size 1" + new string('0', 30), $"1{new string('0', 30)}\r\n{payload}\r\n0\r\n\r\n", Status400),
            ("size zz", $"zz\r\n{payload}\r\n0\r\n\r\n", Status400),
            ("size -2", $"-2\r\n{payload}\r\n0\r\n\r\n", Status400),
            ("size 0x2", $"0x{n}\r\n{payload}\r\n0\r\n\r\n", Status400),
            ("no size", $"\r\n{payload}\r\n0\r\n\r\n", Status400),
            ("missing CRLF after the data", $"{n}\r\n{payload}XX0\r\n\r\n", Status400),
            ("chunk shorter than its size", $"{n}0\r\n{payload}\r\n0\r\n\r\n{new string('X', 16 * Convert.ToInt32(n, 16))}XX", Status400),
            ("LF only", $"{n}\n{payload}\n0\n\n", [400, .. payloadExpect]),
            ("extension", $"{n};name=value\r\n{payload}\r\n0\r\n\r\n", [400, .. payloadExpect]),
            ("8 KB extension", $"{n};{new string('e', 8192)}\r\n{payload}\r\n0\r\n\r\n", [400, 431, .. payloadExpect]),
            ("trailer", $"{n}\r\n{payload}\r\n0\r\nX-Trailer: 1\r\n\r\n", [400, .. payloadExpect]),
        ];
        foreach (var (note, wire, expect) in framings)
        {
            var bytes = Encoding.ASCII.GetBytes(wire);
            yield return dashboard
                ? () => DashboardRequest("DASH " + route.Name, route.Template, FuzzClass.BadChunking, null, expect, note, bytes)
                : () => Make(route, FuzzClass.BadChunking, null, contentType: contentType, expect: expect, note: note, framed: bytes);
        }
    }

    private IEnumerable<Func<FuzzRequest>> QuerySurrogates(RouteSpec route)
    {
        var basePath = OwnPath(route);
        // Percent-encoded UTF-8 of surrogates (invalid UTF-8) and the JSON escape spelled out as text.
        string[] values = ["%ED%A0%80", "%ED%B0%80%ED%A0%80", "%5Cud800", "%5Cudc00%5Cud800", "%F0%9F%98%80", "%ED%A0%BD%ED%B8%80"];
        string[] names = route.IsList
            ? route.Template switch
            {
                "/v1/events" => ["type", "resource_type", "resource_id", "cursor", "since"],
                "/v1/deliveries" => ["endpoint_id", "event_id", "status", "cursor"],
                _ => ["cursor", "limit"],
            }
            : ["q"];
        foreach (var name in names)
        {
            foreach (var value in values)
            {
                yield return () => Make(route, FuzzClass.QuerySurrogate, null, path: basePath + "?" + name + "=" + value, raw: true,
                    expect: route.IsList ? ListAnswers : null, note: $"{name}={value}");
            }
        }
        yield return () => Make(route, FuzzClass.QuerySurrogate, null, path: basePath + "?%ED%A0%80=1&%5Cud800=2", raw: true,
            expect: route.IsList ? ListAnswers : null, note: "surrogate names");
    }

    // ---- the dashboard's forms ----

    private static readonly string[] DashboardPosts =
    [
        "/sign-in", "/sign-out", "/endpoints/new", "/endpoints/template-preview", "/endpoints/{ep}/edit", "/endpoints/{ep}/rotate", "/endpoints/{ep}/test",
        "/endpoints/{ep}/enable", "/endpoints/{ep}/disable", "/endpoints/{ep}/recover", "/deliveries/{dlv}/retry",
    ];

    private FuzzRequest DashboardRequest(string name, string template, string cls, IEnumerable<(string Name, string Value)>? fields, int[]? expect, string note, byte[]? framed = null)
    {
        var path = template.Replace("{ep}", world.OwnIds[IdKind.Endpoint], StringComparison.Ordinal).Replace("{dlv}", world.OwnIds[IdKind.Delivery], StringComparison.Ordinal);
        // Values are sent as given: they are already percent-encoded where meant to be (%ED%A0%80 is no UTF-8).
        var body = fields is null ? null : Utf8(string.Join("&", fields.Prepend(("_csrf", world.DashboardCsrf)).Select(f => $"{Uri.EscapeDataString(f.Item1)}={f.Item2}")));
        return new FuzzRequest
        {
            Route = name, Class = cls, Method = "POST", Path = path, Body = body, Framed = framed, Raw = true, Dashboard = true,
            ContentType = "application/x-www-form-urlencoded", Headers = [("Cookie", world.DashboardCookie)], Expect = expect, Note = note,
            MayAccept = template == "/endpoints/template-preview",
        };
    }

    /// <summary>An endpoint form the dashboard would accept, as (field, percent-encoded value) pairs.</summary>
    private (string, string)[] EndpointForm(int n) =>
    [
        ("name", $"fuzz-form-{n}"), ("url", Uri.EscapeDataString(world.QuietUrl)), ("format", "envelope"), ("retry.schedule", "5s"),
        ("retry.jitter", "0.1"), ("delivery.mode", "immediate"), ("timeout", "15s"), ("ordering", "none"),
    ];

    private IEnumerable<((string Name, string Class), List<Func<FuzzRequest>>)> DashboardForms()
    {
        static (string, string)[] With((string Name, string Value)[] form, params (string Name, string Value)[] changes) =>
            [.. form.Where(f => !changes.Any(c => c.Name == f.Name)), .. changes];
        static string Enc(string text) => Uri.EscapeDataString(text);
        foreach (var template in DashboardPosts)
        {
            var name = "DASH POST " + template;
            var isEndpointForm = template is "/endpoints/new" or "/endpoints/{ep}/edit";
            yield return ((name, FuzzClass.BadChunking), BadChunking(new RouteSpec("POST", template, null, Need.Admin, null, false), "application/x-www-form-urlencoded",
                "x=1", Status403, dashboard: true).ToList()); // No CSRF token: a body that does get through changes nothing.
            yield return ((name, FuzzClass.FormTooManyFields),
            [
                () => DashboardRequest(name, template, FuzzClass.FormTooManyFields, Enumerable.Range(0, 1100).Select(i => ($"f{i}", "v")), Status400, "1,100 fields"),
                () => DashboardRequest(name, template, FuzzClass.FormTooManyFields, [("k", new string('v', 2_000_000))], [400, 413], "a 2 MB value"),
            ]);
            if (isEndpointForm)
            {
                string[] json =
                [
                    "{\"k\":\"\\ud800\"}", "{\"\\udc00\\ud800\":1}", "[\"\\uDBFF\"]", "{\"a\":{\"b\":\"x\\udfffy\"}}",
                ];
                var surrogates = new List<Func<FuzzRequest>>();
                foreach (var text in json)
                {
                    surrogates.Add(() => DashboardRequest(name, template, FuzzClass.FormSurrogate, With(EndpointForm(Next()), ("metadata", Enc(text))), Status422, "metadata=" + text));
                    surrogates.Add(() => DashboardRequest(name, template, FuzzClass.FormSurrogate, With(EndpointForm(Next()), ("filter", Enc("{\"data.s\":{\"$eq\":" + text + "}}"))), Status422, "filter holds " + text));
                }
                // Invalid UTF-8 in a form value reads as U+FFFD; with a refused field beside it nothing is stored either way.
                surrogates.Add(() => DashboardRequest(name, template, FuzzClass.FormSurrogate,
                    With(EndpointForm(Next()), ("headers[0].name", "X-A"), ("headers[0].value", "%ED%A0%80"), ("metadata", Enc("{\"k\":\"\\ud800\"}"))), Status422, "header value %ED%A0%80"));
                surrogates.Add(() => DashboardRequest(name, template, FuzzClass.FormSurrogate,
                    With(EndpointForm(Next()), ("name", "%ED%B0%80%ED%A0%80"), ("rate_limit", "NaN")), Status422, "name %ED%B0%80%ED%A0%80"));
                surrogates.Add(() => DashboardRequest(name, template, FuzzClass.FormSurrogate,
                    With(EndpointForm(Next()), ("format", "template"), ("template", Enc("{\"s\": \"\\ud800\", \"t\": {{ event.type | json }}}"))), Status422, "template writes \\ud800"));
                yield return ((name, FuzzClass.FormSurrogate), surrogates);

                var numbers = new List<Func<FuzzRequest>>();
                foreach (var value in new[] { "NaN", "-NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" + new string('0', 400), "∞" })
                {
                    numbers.Add(() => DashboardRequest(name, template, FuzzClass.FormNumber, With(EndpointForm(Next()), ("rate_limit", Enc(value))), Status422, "rate_limit=" + Clip(value)));
                    numbers.Add(() => DashboardRequest(name, template, FuzzClass.FormNumber, With(EndpointForm(Next()), ("retry.jitter", Enc(value))), Status422, "retry.jitter=" + Clip(value)));
                }
                yield return ((name, FuzzClass.FormNumber), numbers);
            }
            else if (template is "/endpoints/template-preview")
            {
                yield return ((name, FuzzClass.FormSurrogate),
                [
                    () => DashboardRequest(name, template, FuzzClass.FormSurrogate, [("template", Enc("{\"s\": \"\\ud800\"}"))], Status200, "template writes \\ud800"),
                    () => DashboardRequest(name, template, FuzzClass.FormSurrogate, [("template", "%ED%A0%80"), ("name", "%ED%B0%80")], Status200, "invalid UTF-8"),
                ]);
            }
            else if (template is "/endpoints/{ep}/recover")
            {
                yield return ((name, FuzzClass.FormSurrogate),
                [
                    () => DashboardRequest(name, template, FuzzClass.FormSurrogate, [("since", "%ED%A0%80"), ("until", Enc("\\ud800"))], [400, 422], "since %ED%A0%80"),
                ]);
            }
            else if (template is "/sign-in")
            {
                yield return ((name, FuzzClass.FormSurrogate),
                [
                    () => DashboardRequest(name, template, FuzzClass.FormSurrogate, [("key", "hk_%ED%A0%80"), ("next", "/%ED%A0%80")], [401, 403], "key hk_%ED%A0%80"),
                ]);
            }
        }
    }

    // ---- the request around the body ----

    private IEnumerable<Func<FuzzRequest>> AuthGarbage(RouteSpec route)
    {
        var expect = route.IsPublic ? Status200 : Status401;
        var admin = world.AdminB;
        string[] values =
        [
            "Bearer", "Bearer ", "Bearer  ", "Basic " + Convert.ToBase64String(Encoding.ASCII.GetBytes("admin:" + admin)), "Basic " + admin,
            "Bearer hk_this_key_was_never_issued_000000000000000000", "Bearer " + new string('A', 600), "Bearer " + new string('A', 10_000),
            "Bearer " + world.RevokedB, "Bearer " + admin + "x", "Bearer " + admin[..^1], "Token " + admin, "Bearer null",
            "Bearer ' OR '1'='1", "Bearer hk_ünïcödé_key_000000000000", "Bearer\t" + admin, "Bearer " + admin + ", Bearer " + admin,
            admin, "Bearer %68%6B", "Bearer " + Convert.ToBase64String(Encoding.ASCII.GetBytes(admin)),
        ];
        foreach (var value in values)
        {
            yield return () => Make(route, FuzzClass.AuthGarbage, ValidBody(route), auth: value, expect: expect);
        }
    }

    private IEnumerable<Func<FuzzRequest>> Roles(RouteSpec route)
    {
        var below = route.Need switch
        {
            Need.Publisher => new[] { world.ViewerB },
            Need.Admin => [world.ViewerB, world.PublisherB],
            Need.Operator => [world.AdminB, world.PublisherB, world.ViewerB],
            _ => [],
        };
        foreach (var key in below)
        {
            yield return () => Make(route, FuzzClass.AuthRole, ValidBody(route), auth: Bearer(key), expect: Status403);
        }
    }

    private IEnumerable<Func<FuzzRequest>> BadMethods(RouteSpec route, HashSet<string> allowed)
    {
        foreach (var method in AllMethods.Where(m => !allowed.Contains(m)))
        {
            yield return () =>
            {
                var body = method is "POST" or "PUT" or "PATCH" ? Utf8("{}") : null;
                return Make(route, FuzzClass.BadMethod, body, method: method, expect: Status405);
            };
        }
    }

    private IEnumerable<Func<FuzzRequest>> JunkIds(RouteSpec route, IdKind kind)
    {
        var prefix = Prefixes[kind];
        var p = prefix.Length > 0 ? prefix + "_" : "";
        var own = Uri.EscapeDataString(world.OwnIds[kind]);
        var otherKind = kind == IdKind.Endpoint ? IdKind.Event : IdKind.Endpoint;
        string[] ids =
        [
            "../../etc/passwd", "..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%2E%2E", "....//....//etc/passwd",
            p + "UUUUUUUUUUUUUUUUUUUUUUUUUU", p + "!!!!!!!!!!!!!!!!!!!!!!!!!!", p + string.Concat(Enumerable.Repeat("%C3%A9", 26)),
            p + "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", p + "8ZZZZZZZZZZZZZZZZZZZZZZZZZ", p + "0000000000000000000000000", p,
            Uri.EscapeDataString(world.OwnIds[otherKind]), own + "x", own + "%20", "%20" + own,
            new string('a', 10 * 1024), new string('a', 4 * 1024),
            "%C3%BCn%C3%AFc%C3%B6d%C3%A9-%F0%9F%9A%80", "%27%3B%20DROP%20TABLE%20endpoints%3B--", "1%27%20OR%20%271%27%3D%271",
            "%ff%fe", "%25", "%2F", "*", "%20", "null", "undefined", "0", "-1", "%0d%0aX-Injected:%201", "x%3Fq%3D1", "%7B%7D",
            "%E2%80%AE" + p + "RTL", "CON", "%5C..%5C..%5Cwindows",
        ];
        foreach (var id in ids.Distinct())
        {
            yield return () => Make(route, FuzzClass.IdJunk, ValidBody(route), path: PathWith(route, id), raw: true,
                note: id.Length > 100 ? $"{id.Length}-char id" : id);
        }
    }

    private IEnumerable<Func<FuzzRequest>> ForeignIds(RouteSpec route)
    {
        if (route.IsPublic)
        {
            yield break;
        }
        if (route.Param is { } kind)
        {
            yield return () => Make(route, FuzzClass.IdForeign, ValidBody(route), path: PathWith(route, Uri.EscapeDataString(world.ForeignIds[kind])),
                auth: Bearer(world.AdminB), expect: Status404, note: "A's " + kind);
        }
        if (route.IsList && route.Need != Need.Operator)
        {
            var listKind = route.Template switch
            {
                "/v1/keys" => IdKind.Key,
                "/v1/event-types" => IdKind.EventType,
                "/v1/endpoints" => IdKind.Endpoint,
                "/v1/events" => IdKind.Event,
                _ => IdKind.Delivery,
            };
            var cursor = Convert.ToBase64String(Encoding.UTF8.GetBytes(world.ForeignIds[listKind] + "~")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            var basePath = OwnPath(route);
            yield return () => Make(route, FuzzClass.IdForeign, null, path: basePath + "?cursor=" + cursor, expect: Status200, note: "cursor past A's id");
            var filters = route.Template switch
            {
                "/v1/events" => new[]
                {
                    "type=" + Uri.EscapeDataString(world.ForeignEventType),
                    "resource_id=" + Uri.EscapeDataString(world.ForeignResourceId),
                    "resource_type=inspection&resource_id=" + Uri.EscapeDataString(world.ForeignResourceId),
                },
                "/v1/deliveries" =>
                [
                    "endpoint_id=" + world.ForeignIds[IdKind.Endpoint], "event_id=" + world.ForeignIds[IdKind.Event],
                    "endpoint_id=" + world.ForeignIds[IdKind.Endpoint] + "&status=failed",
                ],
                _ => [],
            };
            foreach (var filter in filters)
            {
                yield return () => Make(route, FuzzClass.IdForeign, null, path: basePath + "?" + filter, expect: Status200, note: filter);
            }
        }
        if (route.Name == "POST /v1/events")
        {
            yield return () =>
            {
                var body = route.Body!.Valid(Next());
                body["endpoints"] = new JsonArray(world.ForeignIds[IdKind.Endpoint]);
                return Make(route, FuzzClass.IdForeign, Utf8(Text(body)), expect: Status422, note: "endpoints: [A's endpoint]");
            };
        }
    }

    private IEnumerable<Func<FuzzRequest>> QueryJunk(RouteSpec route)
    {
        var basePath = OwnPath(route);
        string[] queries =
        [
            "limit=-1", "limit=0", "limit=abc", "limit=251", "limit=99999999999999999999", "limit=1.5", "limit=", "limit=%00",
            "limit=1&limit=2", "limit=%E2%80%8B1", "limit=%20%201", "limit=0x10", "limit=1e2",
            "cursor=%00", "cursor=%ff%fe", "cursor=!!!!", "cursor=" + new string('A', 500), "cursor=AQID", "cursor=AAAA", "cursor=====",
            "cursor=" + Convert.ToBase64String(Encoding.ASCII.GetBytes("' OR 1=1 --")).TrimEnd('='), "cursor=%2F%2F%2F",
            "since=2026-13-45", "since=2026-13-45T00:00:00Z", "since=2026-02-30T00:00:00.000Z", "since=0001-01-01T00:00:00.000%2B14:00",
            "until=9999-12-31T23:59:59.999-14:00", "since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "since=" + new string('A', 5000),
            "until=%00", "since=2026-11-22T23:15:00.000Z%00", "since=%2B275760-09-13T00:00:00.000Z", "since=1&since=2",
            "status=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "status=PENDING", "status=pending,failed", "status=%00", "status=",
            "type=%ff", "type=%3Cscript%3E", "type=" + new string('t', 5000), "resource_id=%27%20OR%201%3D1%20--",
            "resource_type=" + new string('x', 5000), "endpoint_id=..%2F..%2F", "event_id=%00", "%zz=1", "limit[]=1", "=&&=",
            "foo=bar", "&&&&", "limit=5&cursor=" + Convert.ToBase64String(Encoding.ASCII.GetBytes("\u007f")),
            "status=<script>alert(1)</script>", "type=\"'{}|^`", "resource_id=<img src=x onerror=alert(1)>".Replace(" ", "%20", StringComparison.Ordinal),
        ];
        foreach (var query in queries)
        {
            yield return () => Make(route, FuzzClass.QueryJunk, null, path: basePath + "?" + query, expect: ListAnswers, raw: true,
                note: query.Length > 100 ? query[..40] + "…" : query);
        }
    }

    private IEnumerable<Func<FuzzRequest>> IdempotencyKeys(RouteSpec route)
    {
        string[] keys = [new string('k', 256), new string('k', 1000), new string('k', 8000), "has space", "tab\tinside", "ünïcödé"];
        foreach (var key in keys)
        {
            yield return () => Make(route, FuzzClass.IdempotencyKey, ValidBody(route), expect: Status422, headers: [("Idempotency-Key", key)],
                raw: !Ascii(key), note: $"{key.Length}-char key");
        }
        yield return () => Make(route, FuzzClass.IdempotencyKey, ValidBody(route), expect: [409, 422], headers: [("Idempotency-Key", world.OwnIdempotencyKey)],
            note: "B's used key, another body");
        yield return () => Make(route, FuzzClass.IdempotencyKey, ValidBody(route), expect: [409, 422], headers: [("Idempotency-Key", world.OwnIdempotencyKey), ("Idempotency-Key", "second")],
            note: "two keys");
        // A's key from B with an invalid body: must neither replay A's answer nor store anything.
        yield return () =>
        {
            var body = route.Body!.Valid(Next());
            body.Remove("data");
            return Make(route, FuzzClass.IdempotencyKey, Utf8(Text(body)), expect: Status422, headers: [("Idempotency-Key", FuzzFixture.SharedIdempotencyKey)],
                note: "A's key, invalid body");
        };
    }

    /// <summary>Paths no route serves, and spellings of real ones that must still need a key.</summary>
    private IEnumerable<(string Name, List<(string Class, Func<FuzzRequest> Make)> Makers)> UnknownPaths()
    {
        var ep = world.OwnIds[IdKind.Endpoint];
        var evt = world.OwnIds[IdKind.Event];
        string[] dead =
        [
            "/v1/nope", $"/v1/endpoints/{ep}/nope", $"/v1/endpoints/{ep}/secret", "/v2/endpoints", "/v1", "/v1/", "//v1//endpoints",
            $"/v1/endpoints/{ep}/applink.jpg", "/.env", "/admin", $"/v1/events/{evt}/deliveries/x", "/health/live/x", "/%2e%2e/%2e%2e/etc/passwd",
            "/v1/endpoints%2Fx", "/v1;x/endpoints", "/v1/orgs/x/y", "/openapi/v2.json", "/" + new string('z', 2000),
        ];
        foreach (var path in dead)
        {
            var name = "ANY " + (path.Length > 60 ? path[..30] + "…" : path);
            var makers = new List<(string, Func<FuzzRequest>)>();
            foreach (var method in new[] { "GET", "POST", "DELETE", "PATCH" })
            {
                makers.Add((FuzzClass.UnknownPath, () => new FuzzRequest
                {
                    Route = name, Class = FuzzClass.UnknownPath, Method = method, Path = path, Raw = true,
                    Body = method is "POST" or "PATCH" ? Utf8("{}") : null, ContentType = method is "POST" or "PATCH" ? "application/json" : null,
                    Authorization = Bearer(world.AdminB), Expect = DeadPath,
                }));
            }
            makers.Add((FuzzClass.AuthMissing, () => new FuzzRequest
            {
                Route = name, Class = FuzzClass.AuthMissing, Method = "GET", Path = path, Raw = true, Expect = DeadPath,
            }));
            yield return (name, makers);
        }
        // Spellings that reach real routes after normalisation: never without a key.
        string[] aliases = ["/V1/ENDPOINTS", "/v1/./endpoints", "/x/../v1/endpoints", "/%76%31/endpoints", "/metrics/../v1/keys", "/v1/endpoints/../orgs"];
        foreach (var path in aliases)
        {
            var name = "ANY " + path;
            yield return (name,
            [
                (FuzzClass.AuthMissing, () => new FuzzRequest
                {
                    Route = name, Class = FuzzClass.AuthMissing, Method = "GET", Path = path, Raw = true, Expect = Status401,
                }),
                (FuzzClass.UnknownPath, () => new FuzzRequest
                {
                    Route = name, Class = FuzzClass.UnknownPath, Method = "DELETE", Path = path, Raw = true, Authorization = Bearer(world.ViewerB),
                    Expect = [403, 404, 405],
                }),
            ]);
        }
    }

    /// <summary>The random fill: cheap classes, drawn with the seeded generator.</summary>
    public FuzzRequest Draw(IReadOnlyList<((string Route, string Class) Key, List<Func<FuzzRequest>> Makers)> cheap)
    {
        var (_, makers) = cheap[random.Next(cheap.Count)];
        return makers[random.Next(makers.Count)]();
    }

    public static string Format(IEnumerable<int> statuses) => string.Join("/", statuses.Select(s => s.ToString(CultureInfo.InvariantCulture)));
}

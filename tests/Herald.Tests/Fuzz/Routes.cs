using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Tests.Fuzz;

/// <summary>
/// What the fuzzer knows of each route of the OpenAPI document: its parameter, the role it needs, and
/// the body it reads (a valid one to mutate, and values of the right type that are still invalid).
/// A route the document lists and this table does not gets a generic description, so it is still attacked.
/// </summary>
public static class Routes
{
    public const string Remove = "\u0001remove";

    private const string Since = "2026-01-01T00:00:00.000Z";

    public static RouteSpec Describe(string method, string template, FuzzWorld w)
    {
        var param = template switch
        {
            _ when template.Contains("{name}", StringComparison.Ordinal) => IdKind.EventType,
            _ when !template.Contains('{', StringComparison.Ordinal) => (IdKind?)null,
            _ when template.StartsWith("/v1/endpoints/", StringComparison.Ordinal) => IdKind.Endpoint,
            _ when template.StartsWith("/v1/events/", StringComparison.Ordinal) => IdKind.Event,
            _ when template.StartsWith("/v1/deliveries/", StringComparison.Ordinal) => IdKind.Delivery,
            _ when template.StartsWith("/v1/keys/", StringComparison.Ordinal) => IdKind.Key,
            _ => IdKind.Endpoint,
        };
        var isList = method == "GET" && (param is null || template.EndsWith("/deliveries", StringComparison.Ordinal))
            && template.StartsWith("/v1/", StringComparison.Ordinal);
        var need = (method, template) switch
        {
            (_, _) when !template.StartsWith("/v1/", StringComparison.Ordinal) => Need.Nothing,
            (_, "/v1/orgs") => Need.Operator,
            (_, _) when template.StartsWith("/v1/keys", StringComparison.Ordinal) => Need.Admin,
            ("GET", _) => Need.Viewer,
            ("POST", "/v1/events") => Need.Publisher,
            _ => Need.Admin,
        };
        BodySpec? body = (method, template) switch
        {
            ("POST", "/v1/orgs") => Orgs(w),
            ("POST", "/v1/keys") => Keys(),
            ("POST", "/v1/event-types") => EventTypeCreate(w),
            ("PUT", "/v1/event-types/{name}") => EventTypeReplace(),
            ("POST", "/v1/endpoints") => EndpointCreate(w),
            ("PUT", "/v1/endpoints/{id}") => EndpointReplace(w),
            ("PATCH", "/v1/endpoints/{id}") => EndpointPatch(w),
            ("POST", "/v1/endpoints/{id}/recover") => Recover(),
            ("POST", "/v1/applinks/import") => ApplinkImport(w),
            ("POST", "/v1/events") => Publish(w),
            // A route this table does not know: if it may take a body, give it a generic one.
            ("PUT" or "PATCH", _) => Generic(),
            ("POST", _) when !KnownWithoutBody(template) => Generic(),
            _ => null,
        };
        return new RouteSpec(method, template, param, need, body, isList);
    }

    /// <summary>Known POST routes that read no body: actions on an endpoint or delivery.</summary>
    private static bool KnownWithoutBody(string template) =>
        template is "/v1/endpoints/{id}/enable" or "/v1/endpoints/{id}/disable" or "/v1/endpoints/{id}/secret/rotate"
            or "/v1/endpoints/{id}/test" or "/v1/deliveries/{id}/retry";

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static BodySpec Generic() => new(
        n => new JsonObject { ["name"] = $"fuzz-generic-{N(n)}" },
        [], [], _ => []);

    private static BodySpec Orgs(FuzzWorld w) => new(
        n => new JsonObject { ["name"] = $"fuzz-org-h-{N(n)}" },
        ["name"], [],
        _ =>
        [
            ("name", ""), ("name", "   "), ("name", "\t\r\n"), ("name", new string('o', 201)),
            ("name", w.ForeignOrgName), ("name", Remove),
        ],
        Creates: true);

    private static BodySpec Keys() => new(
        n => new JsonObject { ["name"] = $"fuzz-key-h-{N(n)}", ["role"] = "viewer" },
        ["name", "role"], [],
        _ =>
        [
            ("role", "operator"), ("role", "root"), ("role", ""), ("role", "Admin"), ("role", "admin "), ("role", "admin\u0000"),
            ("name", ""), ("name", new string('k', 201)), ("role", Remove), ("name", Remove),
        ],
        Creates: true);

    private static BodySpec EventTypeCreate(FuzzWorld w) => new(
        n => new JsonObject
        {
            ["name"] = $"fuzz.hostile{N(n)}.created",
            ["description"] = "made by the fuzzer",
            ["schema"] = new JsonObject { ["type"] = "object" },
        },
        ["name"], ["schema"],
        _ =>
        [
            ("name", "herald.endpoint.disabled"), ("name", "herald.anything"), ("name", "has space"), ("name", "a/b"), ("name", "a b\n"),
            ("name", "a.*"), ("name", ""), ("name", new string('t', 257)), ("name", "ünï.cödé"), ("name", "a\u0000b"),
            ("name", w.OwnEventTypeWithSchema), ("description", new string('d', 2001)),
            ("schema", new JsonObject { ["type"] = 12 }), ("schema", new JsonObject { ["type"] = "no-such-type" }),
            ("schema", new JsonObject { ["minimum"] = "five" }), ("schema", new JsonObject { ["pattern"] = "(" }),
            ("schema", new JsonObject { ["required"] = "n" }), ("schema", new JsonObject { ["properties"] = new JsonArray(1) }),
            ("schema", new JsonObject { ["$ref"] = "#/definitions/missing" }),
            ("schema", new JsonObject { ["items"] = new JsonObject { ["type"] = new JsonArray("string", 7) } }),
            ("schema", new JsonObject { ["type"] = "string", ["maxLength"] = -1 }),
            ("schema", new JsonObject { ["type"] = "object", ["blob"] = new string('s', 300 * 1024) }),
            ("name", Remove),
        ],
        Creates: true,
        NoBoolean: ["schema"]);

    private static BodySpec EventTypeReplace() => new(
        _ => new JsonObject { ["description"] = "replaced by the fuzzer", ["schema"] = new JsonObject { ["type"] = "object" } },
        [], ["schema"],
        _ =>
        [
            ("name", "another.name"), ("name", "herald.ping"), ("description", new string('d', 2001)),
            ("schema", new JsonObject { ["type"] = 12 }), ("schema", new JsonObject { ["pattern"] = "(" }),
            ("schema", new JsonObject { ["required"] = "n" }),
        ],
        NoBoolean: ["schema"]);

    /// <summary>A body with every endpoint feature, so each field can be attacked.</summary>
    public static JsonObject FullEndpoint(string name, string url, bool withSecret) => new()
    {
        ["name"] = name,
        ["url"] = url,
        ["method"] = "POST",
        ["description"] = "fuzz target",
        ["event_types"] = new JsonArray("fixture.*", "fixture.hostile"),
        ["entity_types"] = new JsonArray("inspection"),
        ["filter"] = new JsonObject { ["data.n"] = new JsonObject { ["$gte"] = 0 } },
        ["auth"] = new JsonObject { ["type"] = "basic", ["username"] = "user", ["password"] = "pass" },
        ["signature"] = withSecret
            ? new JsonObject { ["scheme"] = "standard", ["secret"] = "whsec_" + Convert.ToBase64String(Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef")) }
            : new JsonObject { ["scheme"] = "standard" },
        ["headers"] = new JsonArray(
            new JsonObject { ["name"] = "X-Env", ["value"] = "prod", ["sensitive"] = false },
            new JsonObject { ["name"] = "X-Token", ["value"] = "s3cr3t", ["sensitive"] = true }),
        ["format"] = "envelope",
        ["source_field_key"] = "src",
        ["destination_field_key"] = "dst",
        ["retry"] = new JsonObject { ["schedule"] = new JsonArray("5s", "5m"), ["jitter"] = 0.1 },
        ["delivery"] = new JsonObject { ["mode"] = "immediate" },
        ["timeout"] = "5s",
        ["rate_limit"] = 10,
        ["ordering"] = "none",
        ["enabled"] = true,
        ["metadata"] = new JsonObject { ["team"] = "fuzz" },
    };

    private static readonly string[] EndpointRequired = ["name", "url", "headers[0].name", "headers[0].value", "headers[1].name", "headers[1].value", "auth.username", "auth.password"];
    private static readonly string[] EndpointOpaque = ["filter", "metadata"];

    private static BodySpec EndpointCreate(FuzzWorld w) => new(
        n => FullEndpoint($"fuzz-ep-h-{N(n)}", w.QuietUrl, withSecret: true),
        EndpointRequired, EndpointOpaque, _ => EndpointInvalid(w, "create"), HasHeaders: true, Creates: true);

    private static BodySpec EndpointReplace(FuzzWorld w) => new(
        _ => (JsonObject)w.OwnEndpointBody.DeepClone(),
        EndpointRequired, EndpointOpaque, _ => EndpointInvalid(w, "put"), HasHeaders: true);

    private static BodySpec EndpointPatch(FuzzWorld w) => new(
        _ =>
        {
            var patch = (JsonObject)w.OwnEndpointBody.DeepClone();
            patch.Remove("url");
            patch["description"] = "patched by the fuzzer";
            return patch;
        },
        EndpointRequired, EndpointOpaque, _ => EndpointInvalid(w, "patch"), HasHeaders: true);

    /// <summary>
    /// Values of the right JSON type that no endpoint may have. A merge patch merges objects into the stored
    /// ones, so a partial object that a create or replace refuses can be a valid patch: those are left out there.
    /// </summary>
    private static IEnumerable<(string, JsonNode?)> EndpointInvalid(FuzzWorld w, string mode)
    {
        (string, JsonNode?)[] common =
        [
            ("name", ""), ("name", "   "), ("name", new string('n', 201)),
            ("url", "javascript:alert(1)"), ("url", "ftp://example.org/x"), ("url", "/relative/path"), ("url", "http://"),
            ("url", "http://user:pw@example.org/"), ("url", "http://exa mple.org/"), ("url", "file:///etc/passwd"),
            ("url", "http://[::1"), ("url", "http://" + new string('h', 2100) + ".org/"), ("url", "mailto:a@b.c"), ("url", ""),
            ("method", "GET"), ("method", "DELETE"), ("method", "post"), ("description", new string('d', 2001)),
            ("event_types", new JsonArray("")), ("event_types", new JsonArray("a**")), ("event_types", new JsonArray("*.a")),
            ("event_types", new JsonArray("has space")), ("event_types", new JsonArray([.. Enumerable.Range(0, 101).Select(i => (JsonNode)$"t{i}")])),
            ("entity_types", new JsonArray("*")), ("entity_types", new JsonArray("")),
            ("filter", new JsonObject { ["$where"] = "1" }), ("filter", new JsonObject { ["a"] = new JsonObject { ["$regex"] = "(" } }),
            ("filter", new JsonObject { ["a"] = new JsonObject { ["$bogus"] = 1 } }), ("filter", new JsonObject { ["a"] = new JsonObject { ["$in"] = 1 } }),
            ("filter", new JsonObject { ["$and"] = "x" }), ("filter", new JsonObject { ["$or"] = new JsonArray() }), ("filter", new JsonObject { ["$not"] = 1 }),
            ("filter", NestedNot(12)),
            ("filter", new JsonObject { ["a"] = new JsonObject { ["$regex"] = "a", ["$options"] = "z" } }),
            ("auth", new JsonObject { ["type"] = "digest" }),
            ("auth", new JsonObject { ["type"] = "none", ["username"] = "u" }), ("auth.username", "a:b"), ("auth.password", ""),
            ("auth.username", "a\u0007b"), ("auth.password", "p\u0000"),
            ("signature", new JsonObject { ["scheme"] = "hmac" }), ("signature", new JsonObject { ["scheme"] = "standard", ["header"] = "X-Sig" }),
            ("headers", new JsonArray(new JsonObject { ["name"] = "Content-Type", ["value"] = "text/plain" })),
            ("headers", new JsonArray(new JsonObject { ["name"] = "Authorization", ["value"] = "Bearer x" })),
            ("headers", new JsonArray(new JsonObject { ["name"] = "X-Secret", ["value"] = "********", ["sensitive"] = false })),
            ("headers", new JsonArray(new JsonObject { ["name"] = "X-New", ["value"] = "********", ["sensitive"] = true })),
            ("headers", new JsonArray([.. Enumerable.Range(0, 51).Select(i => (JsonNode)new JsonObject { ["name"] = $"X-H{i}", ["value"] = "v" })])),
            ("format", "xml"), ("format", "template"), ("template", "{{ data | json }}"),
            ("retry", new JsonObject { ["schedule"] = new JsonArray("5") }), ("retry", new JsonObject { ["schedule"] = new JsonArray("-5s") }),
            ("retry", new JsonObject { ["schedule"] = new JsonArray("8d") }), ("retry", new JsonObject { ["schedule"] = new JsonArray("5 s") }),
            ("retry", new JsonObject { ["schedule"] = new JsonArray("9999999999999999999999d") }),
            ("retry", new JsonObject { ["schedule"] = new JsonArray([.. Enumerable.Range(0, 21).Select(_ => (JsonNode)"1s")]) }),
            ("retry", new JsonObject { ["jitter"] = 0.6 }), ("retry", new JsonObject { ["jitter"] = -0.1 }),
            ("delivery", new JsonObject { ["mode"] = "later" }), ("delivery", new JsonObject { ["mode"] = "deferred" }),
            ("delivery", new JsonObject { ["mode"] = "deferred", ["interval"] = "0s" }), ("delivery", new JsonObject { ["mode"] = "deferred", ["interval"] = "2d" }),
            ("delivery", new JsonObject { ["mode"] = "immediate", ["interval"] = "5s" }), ("delivery", new JsonObject { ["mode"] = "immediate", ["batch"] = true }),
            ("timeout", "61s"), ("timeout", "0s"), ("timeout", "5"), ("timeout", "99ms"), ("timeout", "1y"), ("timeout", "-1s"), ("timeout", "1e3s"),
            ("rate_limit", 0), ("rate_limit", -1), ("rate_limit", 100001),
            ("ordering", "lifo"), ("ordering", "FIFO"),
        ];
        foreach (var item in common)
        {
            yield return item;
        }
        if (mode != "patch")
        {
            yield return ("auth", new JsonObject { ["type"] = "basic" });
        }
        if (mode == "create")
        {
            // Masked values resolve to stored ones on PUT and PATCH (a GET → PUT round trip), so only a create refuses them.
            yield return ("auth.password", "********");
            yield return ("signature", new JsonObject { ["scheme"] = "standard", ["secret"] = "whsec_short" });
            yield return ("signature", new JsonObject { ["scheme"] = "standard", ["secret"] = "not-whsec" });
            yield return ("signature", new JsonObject { ["scheme"] = "standard", ["secret"] = "whsec_" + Convert.ToBase64String(new byte[65]) });
            yield return ("signature", new JsonObject { ["scheme"] = "none", ["secret"] = "whsec_" + Convert.ToBase64String(new byte[32]) });
            yield return ("signature", new JsonObject { ["scheme"] = "ushahidi", ["secret"] = "short" });
            yield return ("name", w.OwnEndpointName);
        }
        else
        {
            yield return ("signature", new JsonObject { ["scheme"] = "standard", ["secret"] = "whsec_" + Convert.ToBase64String(new byte[32]) });
            // Absent from a patch means "keep"; null removes, which leaves the endpoint without its required fields.
            yield return ("name", mode == "patch" ? null : Remove);
            yield return ("url", mode == "patch" ? null : Remove);
        }
    }

    private static JsonObject NestedNot(int depth)
    {
        JsonObject inner = new() { ["a"] = 1 };
        for (var i = 0; i < depth; i++)
        {
            inner = new JsonObject { ["$not"] = inner };
        }
        return inner;
    }

    private static BodySpec Recover() => new(
        _ => new JsonObject { ["since"] = Since, ["until"] = "2026-01-02T00:00:00.000Z" },
        ["since"], [],
        _ =>
        [
            ("since", "yesterday"), ("since", "2026-13-45T00:00:00Z"), ("since", "2026-13-45"), ("since", "2026-01-01T00:00:00"),
            ("since", "2026-02-30T00:00:00.000Z"), ("since", "0001-01-01T00:00:00.000+14:00"), ("since", ""),
            ("until", "2025-01-01T00:00:00.000Z"), ("until", Since), ("until", "9999-12-31T23:59:59.999-14:00"), ("since", Remove),
        ]);

    private static BodySpec ApplinkImport(FuzzWorld w) => new(
        n => new JsonObject { ["applink"] = w.ValidApplink, ["name"] = $"fuzz-import-h-{N(n)}" },
        ["applink"], [],
        _ =>
        [
            ("applink", ""), ("applink", "not a link"), ("applink", "javascript:alert(1)"), ("applink", "https://example.org/"),
            ("applink", "https://example.org/?x="), ("applink", "https://example.org/?x=!!!"), ("applink", "https://example.org/?x=a&x=b"),
            ("applink", "ftp://example.org/?x=e30="), ("applink", "e30"), ("applink", new string('A', 16385)),
            ("applink", Applink("{\"webhook\":false,\"url\":\"http://127.0.0.1:9/x\"}")),
            ("applink", Applink("{\"webhook\":true}")),
            ("applink", Applink("{\"webhook\":true,\"url\":\"\"}")),
            ("applink", Applink("{\"webhook\":true,\"url\":12}")),
            ("applink", Applink("{\"webhook\":true,\"url\":\"javascript:alert(1)\",\"entity\":\"x\"}")),
            ("applink", Applink("{\"webhook\":true,\"url\":\"http://127.0.0.1:9/x\",\"entity\":[1]}")),
            ("applink", Applink("{\"webhook\":true,\"url\":\"http://127.0.0.1:9/x\",\"url\":\"http://127.0.0.1:9/y\",\"entity\":\"d\"}")),

            ("applink", Applink("{\"webhook\":true,\"url\":\"http://127.0.0.1:9/x\",\"entity\":1e400}")),
            ("applink", Applink(new string('[', 5000) + new string(']', 5000))),
            ("applink", Applink("{\"webhook\":true,\"url\":\"http://127.0.0.1:9/x\"")),
            ("applink", Applink("[1,2]")),
            ("applink", "https://example.org/?x=" + Convert.ToBase64String([0xFF, 0xFE, 0x7B, 0x7D])),
            ("applink", "https://example.org/?x=" + Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"webhook\":true,\"url\":\"http://127.0.0.1:9/x\",\"entity\":\"a\u0000b\"}"))),
            ("name", ""), ("name", new string('n', 201)), ("name", w.OwnEndpointName),
            ("secret", "whsec_short"), ("secret", "plain"), ("applink", Remove),
        ],
        // Without a name the applink's entity names the endpoint, so these entities must be refused.
        EntityNames:
        [
            Applink("{\"webhook\":true,\"url\":\"http://127.0.0.1:9/x\",\"entity\":\"" + new string('e', 300) + "\"}"),
            Applink("{\"webhook\":true,\"url\":\"http://127.0.0.1:9/x\",\"entity\":\"\"}"),
            Applink("{\"webhook\":true,\"url\":\"http://127.0.0.1:9/x\",\"entity\":\"   \"}"),
            Applink("{\"webhook\":true,\"url\":\"http://127.0.0.1:9/x\",\"entity\":null}"),
            Applink("{\"webhook\":true,\"url\":\"http://127.0.0.1:9/x\"}"),
            Applink("{\"webhook\":true,\"url\":\"http://127.0.0.1:9/x\",\"entity\":\"" + w.OwnEndpointName + "\"}"),
        ]);

    private static string Applink(string json) =>
        "https://cybertracker.org/applink?x=" + Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes(json)));

    private static BodySpec Publish(FuzzWorld w) => new(
        n => new JsonObject
        {
            ["type"] = "fixture.hostile",
            ["resource"] = new JsonObject { ["type"] = "inspection", ["id"] = $"audit_{N(n)}" },
            ["triggered_by"] = new JsonObject { ["type"] = "user", ["id"] = "user_1", ["name"] = "Fuzz" },
            ["occurred_at"] = "2017-06-29T05:15:19.136Z",
            ["data"] = new JsonObject { ["n"] = n, ["text"] = "hostile" },
            ["endpoints"] = new JsonArray(w.OwnIds[IdKind.Endpoint]),
        },
        ["type"], ["triggered_by", "data"],
        _ =>
        [
            ("type", ""), ("type", "herald.ping"), ("type", "herald.endpoint.disabled"), ("type", "has space"), ("type", "a/b"), ("type", "a\n"),
            ("type", "a.*"), ("type", new string('t', 257)), ("type", "a\u0000b"),
            ("resource", new JsonObject { ["type"] = "inspection" }), ("resource", new JsonObject { ["id"] = "x" }),
            ("resource", new JsonObject { ["type"] = "", ["id"] = "x" }), ("resource", new JsonObject { ["type"] = "t", ["id"] = new string('r', 257) }),
            ("triggered_by", new JsonObject { ["blob"] = new string('b', 5000) }),
            ("occurred_at", "2017-13-45T05:15:19.136Z"), ("occurred_at", "yesterday"), ("occurred_at", "2017-06-29T05:15:19"),
            ("occurred_at", "0001-01-01T00:00:00.000+14:00"), ("occurred_at", "9999-12-31T23:59:59.999-14:00"),
            ("endpoints", new JsonArray("ep_bad")), ("endpoints", new JsonArray("ep_UUUUUUUUUUUUUUUUUUUUUUUUUU")),
            ("endpoints", new JsonArray(w.ForeignIds[IdKind.Endpoint])), ("endpoints", new JsonArray(w.OwnIds[IdKind.Event])),
            ("endpoints", new JsonArray([.. Enumerable.Range(0, 101).Select(_ => (JsonNode)w.OwnIds[IdKind.Endpoint])])),
            ("data", Remove),
            ("type", w.OwnEventTypeWithSchema), // with data that fails its schema (n must be a number)
        ]);
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Tests.Fuzz;

/// <summary>
/// Ids of what legitimate requests made (valid ones, and tolerated hostile ones): the database may differ
/// from its first dump by exactly these rows and their children.
/// </summary>
public sealed class CreatedRows
{
    public ConcurrentDictionary<string, byte> Orgs { get; } = new();
    public ConcurrentDictionary<string, byte> Keys { get; } = new();
    public ConcurrentDictionary<string, byte> Endpoints { get; } = new();
    public ConcurrentDictionary<string, byte> Events { get; } = new();
    public ConcurrentDictionary<string, byte> Deliveries { get; } = new();

    /// <summary><c>org_id|name</c>, the primary key of event_types.</summary>
    public ConcurrentDictionary<string, byte> EventTypes { get; } = new();

    /// <summary><c>org_id|key</c>, the primary key of idempotency.</summary>
    public ConcurrentDictionary<string, byte> IdempotencyKeys { get; } = new();

    /// <summary>Records what a 2xx answer to <paramref name="request"/> created, by route.</summary>
    public void Track(FuzzRequest request, JsonNode? body, string orgId)
    {
        string? Id(string path = "id") => body?.At(path)?.GetValue<string>();
        void Add(ConcurrentDictionary<string, byte> set, string? id)
        {
            if (id is not null)
            {
                set[id] = 0;
            }
        }
        switch (request.Route)
        {
            case "POST /v1/orgs":
                Add(Orgs, Id());
                break;
            case "POST /v1/keys":
                Add(Keys, Id());
                break;
            case "POST /v1/event-types":
                Add(EventTypes, Id("name") is { } typeName ? $"{orgId}|{typeName}" : null);
                break;
            case "POST /v1/endpoints" or "POST /v1/applinks/import":
                Add(Endpoints, Id());
                break;
            case "POST /v1/events":
                Add(Events, Id());
                foreach (var (name, value) in request.Headers)
                {
                    if (name == "Idempotency-Key")
                    {
                        Add(IdempotencyKeys, $"{orgId}|{value}");
                    }
                }
                break;
            case "POST /v1/endpoints/{id}/test":
                Add(Deliveries, Id("delivery_id"));
                break;
        }
    }
}

/// <summary>
/// The legitimate share of the traffic, in organization B: creations, reads, updates and actions on
/// resources this lane created itself (never on the fixtures, whose rows must not change). Runs one
/// request at a time, so what it knows of its own resources is always current.
/// </summary>
public sealed class ValidTraffic(FuzzWorld world, Random random)
{
    private readonly List<(string Id, string Scheme, bool Live)> _endpoints = [];
    private readonly List<string> _events = [];
    private readonly List<string> _deliveries = [];
    private readonly List<(string Name, bool Live)> _eventTypes = [];
    private readonly List<(string Id, bool Live)> _keys = [];
    private readonly List<(string Key, byte[] Body)> _idempotent = [];
    private int _n;

    private static readonly (string Kind, int Weight)[] Mix =
    [
        ("endpoint.create", 18), ("publish", 25), ("event-type.create", 5), ("event-type.put", 3), ("event-type.delete", 2),
        ("key.create", 4), ("key.delete", 2), ("org.create", 2), ("read", 15), ("endpoint.update", 8), ("endpoint.action", 8),
        ("deliveries.list", 4), ("delivery.retry", 3), ("endpoint.delete", 2), ("applink.import", 2),
    ];

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static byte[] Utf8(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString(Json.Verbatim));

    private string Admin => "Bearer " + world.AdminB;

    private FuzzRequest Request(string route, string method, string path, JsonNode? body, int[] expect, string? auth = null,
        IReadOnlyList<(string, string)>? headers = null, byte[]? raw = null, string contentType = "application/json") => new()
        {
            Route = route,
            Class = FuzzClass.Valid,
            Method = method,
            Path = path,
            Body = raw ?? (body is null ? null : Utf8(body)),
            ContentType = body is null && raw is null ? null : contentType,
            Authorization = auth ?? Admin,
            AsOperator = auth?.Contains(world.OperatorKey, StringComparison.Ordinal) == true,
            Headers = headers ?? [],
            Expect = expect,
            MayAccept = true,
        };

    public FuzzRequest Next()
    {
        var n = ++_n;
        var roll = random.Next(Mix.Sum(m => m.Weight));
        var kind = Mix.First(m => (roll -= m.Weight) < 0).Kind;
        return Build(kind, n) ?? Build(random.Next(2) == 0 ? "endpoint.create" : "publish", n)!;
    }

    private FuzzRequest? Build(string kind, int n)
    {
        var liveEndpoints = _endpoints.Where(e => e.Live).ToList();
        switch (kind)
        {
            case "endpoint.create":
                return Request("POST /v1/endpoints", "POST", "/v1/endpoints", EndpointBody(n), [201]);
            case "publish":
                return Publish(n, liveEndpoints);
            case "event-type.create":
                return Request("POST /v1/event-types", "POST", "/v1/event-types", new JsonObject
                {
                    ["name"] = $"fuzz.valid{N(n)}.made",
                    ["description"] = "valid ✓ ünïcödé",
                    ["schema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["n"] = new JsonObject { ["type"] = "number" } } },
                }, [201]);
            case "event-type.put" when _eventTypes.Any(t => t.Live):
                var put = Pick(_eventTypes.Where(t => t.Live).ToList());
                return Request("PUT /v1/event-types/{name}", "PUT", "/v1/event-types/" + put.Name,
                    new JsonObject { ["description"] = $"replaced {N(n)}", ["schema"] = null }, [200]);
            case "event-type.delete" when _eventTypes.Any(t => t.Live):
                var doomed = Pick(_eventTypes.Where(t => t.Live).ToList());
                _eventTypes[_eventTypes.IndexOf(doomed)] = (doomed.Name, false);
                return Request("DELETE /v1/event-types/{name}", "DELETE", "/v1/event-types/" + doomed.Name, null, [204]);
            case "key.create":
                return Request("POST /v1/keys", "POST", "/v1/keys",
                    new JsonObject { ["name"] = $"fuzz-valid-key-{N(n)}", ["role"] = Pick(new[] { "admin", "publisher", "viewer" }) }, [201]);
            case "key.delete" when _keys.Any(k => k.Live):
                var key = Pick(_keys.Where(k => k.Live).ToList());
                _keys[_keys.IndexOf(key)] = (key.Id, false);
                return Request("DELETE /v1/keys/{id}", "DELETE", "/v1/keys/" + key.Id, null, [204]);
            case "org.create":
                return Request("POST /v1/orgs", "POST", "/v1/orgs", new JsonObject { ["name"] = $"fuzz-valid-org-{N(n)}-ü" }, [201],
                    auth: "Bearer " + world.OperatorKey);
            case "read":
                return Read(liveEndpoints);
            case "endpoint.update" when liveEndpoints.Count > 0:
                var target = Pick(liveEndpoints);
                if (random.Next(2) == 0)
                {
                    var body = EndpointBody(n);
                    body.Remove("name");
                    body["name"] = $"fuzz-valid-ep-renamed-{N(n)}";
                    if (target.Scheme != "standard")
                    {
                        body["signature"] = new JsonObject { ["scheme"] = target.Scheme };
                    }
                    else
                    {
                        body.Remove("signature");
                    }
                    return Request("PUT /v1/endpoints/{id}", "PUT", "/v1/endpoints/" + target.Id, body, [200]);
                }
                return Request("PATCH /v1/endpoints/{id}", "PATCH", "/v1/endpoints/" + target.Id,
                    new JsonObject { ["description"] = $"patched {N(n)} ✓", ["metadata"] = new JsonObject { ["n"] = n }, ["rate_limit"] = null },
                    [200], contentType: random.Next(2) == 0 ? "application/merge-patch+json" : "application/json");
            case "endpoint.action" when liveEndpoints.Count > 0:
                var endpoint = Pick(liveEndpoints);
                var action = Pick(new[] { "enable", "disable", "secret/rotate", "test", "recover" });
                if (action == "secret/rotate" && endpoint.Scheme == "none")
                {
                    action = "enable";
                }
                var route = $"POST /v1/endpoints/{{id}}/{action}";
                var path = $"/v1/endpoints/{endpoint.Id}/{action}";
                return action switch
                {
                    "recover" => Request(route, "POST", path, new JsonObject { ["since"] = "2026-01-01T00:00:00.000Z" }, [202]),
                    "test" => Request(route, "POST", path, null, [200, 409]),
                    _ => Request(route, "POST", path, null, [200]),
                };
            case "deliveries.list" when _events.Count > 0:
                return Request("GET /v1/events/{id}/deliveries", "GET", $"/v1/events/{Pick(_events)}/deliveries", null, [200]);
            case "delivery.retry" when _deliveries.Count > 0:
                return Request("POST /v1/deliveries/{id}/retry", "POST", $"/v1/deliveries/{Pick(_deliveries)}/retry", null, [202, 409]);
            case "endpoint.delete" when liveEndpoints.Count > 1:
                var gone = Pick(liveEndpoints);
                _endpoints[_endpoints.IndexOf(gone)] = gone with { Live = false };
                return Request("DELETE /v1/endpoints/{id}", "DELETE", "/v1/endpoints/" + gone.Id, null, [204]);
            case "applink.import":
                return Request("POST /v1/applinks/import", "POST", "/v1/applinks/import",
                    new JsonObject { ["applink"] = world.ValidApplink, ["name"] = $"fuzz-valid-import-{N(n)}" }, [201]);
            default:
                return null;
        }
    }

    private FuzzRequest Publish(int n, List<(string Id, string Scheme, bool Live)> liveEndpoints)
    {
        if (_idempotent.Count > 0 && random.Next(10) == 0)
        {
            // The same key and the same bytes: the first answer again, nothing new.
            var (key, bytes) = Pick(_idempotent);
            return Request("POST /v1/events", "POST", "/v1/events", null, [202], raw: bytes, headers: [("Idempotency-Key", key)]);
        }
        var fails = random.Next(12) == 0;
        JsonNode? data = random.Next(8) switch
        {
            0 => new JsonArray(1, "two", null, new JsonObject { ["deep"] = new JsonArray(new JsonArray(new JsonArray())) }),
            1 => "just a string ✓ with ünïcödé and \u2028",
            2 => null,
            3 => new JsonObject { ["n"] = -n, ["big"] = 1e300, ["tiny"] = 5e-324 },
            _ => new JsonObject { ["n"] = n, ["score"] = random.Next(100), ["text"] = "valid" },
        };
        var body = new JsonObject
        {
            ["type"] = fails ? "fuzz.fail.sent" : $"fuzz.valid.t{N(n % 3)}",
            ["data"] = data,
        };
        if (random.Next(2) == 0)
        {
            body["resource"] = new JsonObject { ["type"] = "inspection", ["id"] = $"audit_{N(n)}" };
        }
        if (random.Next(3) == 0)
        {
            body["triggered_by"] = new JsonObject { ["type"] = "user", ["id"] = $"user_{N(n)}", ["name"] = "Zoë" };
        }
        if (random.Next(3) == 0)
        {
            body["occurred_at"] = "2017-06-29T05:15:19.136Z";
        }
        if (liveEndpoints.Count > 0 && random.Next(4) == 0)
        {
            body["endpoints"] = new JsonArray(Pick(liveEndpoints).Id);
        }
        var raw = Utf8(body);
        if (random.Next(15) == 0)
        {
            // Legal JSON that no serializer here writes: data kept as the exact bytes received.
            raw = Encoding.UTF8.GetBytes("""{"type":"fuzz.valid.raw","data":{"n":1e400,"s":"\ud83d\ude00","z":-0.0E+00}}""");
        }
        var headers = new List<(string, string)>();
        if (random.Next(4) == 0)
        {
            var key = $"valid-{N(n)}-{Guid.NewGuid():N}";
            headers.Add(("Idempotency-Key", key));
            _idempotent.Add((key, raw));
        }
        var auth = random.Next(2) == 0 ? "Bearer " + world.PublisherB : null;
        return Request("POST /v1/events", "POST", "/v1/events", null, [202], auth: auth, headers: headers, raw: raw);
    }

    private FuzzRequest Read(List<(string Id, string Scheme, bool Live)> liveEndpoints)
    {
        var ep = liveEndpoints.Count > 0 && random.Next(2) == 0 ? Pick(liveEndpoints).Id : world.OwnIds[IdKind.Endpoint];
        var viewer = random.Next(2) == 0 ? "Bearer " + world.ViewerB : null;
        (string Route, string Path, string? Auth)[] reads =
        [
            ("GET /v1/endpoints", "/v1/endpoints?limit=10", viewer),
            ("GET /v1/endpoints/{id}", "/v1/endpoints/" + ep, viewer),
            ("GET /v1/endpoints/{id}/applink", $"/v1/endpoints/{ep}/applink", viewer),
            ("GET /v1/endpoints/{id}/applink.png", $"/v1/endpoints/{ep}/applink.png", viewer),
            ("GET /v1/endpoints/{id}/applink.svg", $"/v1/endpoints/{ep}/applink.svg", viewer),
            ("GET /v1/events", "/v1/events?limit=5&type=fuzz.valid.t0", viewer),
            ("GET /v1/events", "/v1/events?since=2026-01-01T00:00:00.000Z&resource_type=inspection", viewer),
            ("GET /v1/events/{id}", "/v1/events/" + (_events.Count > 0 ? Pick(_events) : world.OwnIds[IdKind.Event]), viewer),
            ("GET /v1/deliveries", "/v1/deliveries?status=succeeded&limit=5", viewer),
            ("GET /v1/deliveries/{id}", "/v1/deliveries/" + (_deliveries.Count > 0 ? Pick(_deliveries) : world.OwnIds[IdKind.Delivery]), viewer),
            ("GET /v1/event-types", "/v1/event-types", viewer),
            ("GET /v1/event-types/{name}", "/v1/event-types/" + world.OwnIds[IdKind.EventType], viewer),
            ("GET /v1/keys", "/v1/keys?limit=20", null),
            ("GET /v1/orgs", "/v1/orgs?limit=3", "Bearer " + world.OperatorKey),
            ("GET /health/ready", "/health/ready", null),
            ("GET /health/live", "/health/live", null),
            ("GET /metrics", "/metrics", null),
        ];
        var (route, path, auth) = Pick(reads);
        return Request(route, "GET", path, null, [200], auth: auth);
    }

    private JsonObject EndpointBody(int n)
    {
        var quiet = random.Next(4) == 0;
        var body = new JsonObject
        {
            ["name"] = $"fuzz-valid-ep-{N(n)}",
            ["url"] = quiet ? world.QuietUrl : world.ReceiverUrl + $"valid/{N(n)}?q=✓",
            ["retry"] = new JsonObject { ["schedule"] = new JsonArray(), ["jitter"] = 0 },
            ["timeout"] = "5s",
        };
        if (quiet)
        {
            // Failing endpoints hear only the few events meant to fail, so no circuit opens on them.
            body["event_types"] = new JsonArray("fuzz.fail.*");
        }
        var scheme = Pick(new[] { "standard", "standard", "ushahidi", "none" });
        body["signature"] = new JsonObject { ["scheme"] = scheme };
        switch (random.Next(5))
        {
            case 0:
                body["format"] = "raw";
                break;
            case 1:
                body["format"] = "ushahidi";
                body["source_field_key"] = "src";
                break;
            case 2:
                body["format"] = "template";
                body["template"] = """{"type": {{ event.type | json }}, "data": {{ data | json }}}""";
                break;
        }
        if (random.Next(3) == 0)
        {
            body["headers"] = new JsonArray(
                new JsonObject { ["name"] = "X-Valid", ["value"] = "yes ✓" },
                new JsonObject { ["name"] = "X-Secret", ["value"] = "s3cr3t", ["sensitive"] = true });
        }
        if (random.Next(3) == 0)
        {
            body["auth"] = new JsonObject { ["type"] = "basic", ["username"] = "zoë", ["password"] = "pässword" };
        }
        if (random.Next(4) == 0)
        {
            body["filter"] = new JsonObject { ["$or"] = new JsonArray(new JsonObject { ["data.n"] = new JsonObject { ["$gte"] = 0 } }, new JsonObject { ["data"] = new JsonObject { ["$exists"] = true } }) };
        }
        if (random.Next(5) == 0)
        {
            body["rate_limit"] = 1000;
        }
        if (random.Next(6) == 0)
        {
            body["ordering"] = "fifo";
        }
        body["metadata"] = new JsonObject { ["n"] = n, ["note"] = "ünïcödé" };
        return body;
    }

    /// <summary>Learns from the answer what the next requests may use.</summary>
    public void Observe(FuzzRequest request, int status, JsonNode? body)
    {
        if (status is < 200 or > 299 || body is null)
        {
            return;
        }
        switch (request.Route)
        {
            case "POST /v1/endpoints" or "POST /v1/applinks/import":
                _endpoints.Add((body.Str("id"), body.At("signature.scheme")?.GetValue<string>() ?? "standard", true));
                break;
            case "POST /v1/events":
                var id = body.Str("id");
                if (!_events.Contains(id))
                {
                    _events.Add(id);
                }
                break;
            case "POST /v1/event-types":
                _eventTypes.Add((body.Str("name"), true));
                break;
            case "POST /v1/keys":
                _keys.Add((body.Str("id"), true));
                break;
            case "GET /v1/events/{id}/deliveries":
                foreach (var item in body.At("data")?.AsArray() ?? [])
                {
                    if (item?.At("id")?.GetValue<string>() is { } delivery && !_deliveries.Contains(delivery))
                    {
                        _deliveries.Add(delivery);
                    }
                }
                break;
            case "POST /v1/endpoints/{id}/test":
                if (body.At("delivery_id")?.GetValue<string>() is { } pinged)
                {
                    _deliveries.Add(pinged);
                }
                break;
        }
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
}

using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using static Herald.Tests.Api.ApiTestSupport;

namespace Herald.Tests.Fuzz;

/// <summary>
/// The tenants the fuzzer needs before it starts: organization A (the victim: endpoints, an event type,
/// an event with delivered and failed deliveries, keys) and organization B (the attacker: keys of every
/// role, a revoked key, and its own resources for body attacks to aim at).
/// </summary>
public static class FuzzFixture
{
    public const string SharedIdempotencyKey = "shared-idempotency-key";

    public static async Task<FuzzWorld> CreateAsync(HeraldTestServer server, TestReceiver receiver)
    {
        var marker = "victim" + Guid.NewGuid().ToString("N")[..12];
        var a = await server.NewOrgAsync(marker + "-org");
        var epA1 = await a.Client.CreateEndpointAsync(EndpointBody(receiver.Url($"/{marker}/a1"), new JsonObject
        {
            ["headers"] = new JsonArray(new JsonObject { ["name"] = "X-Victim", ["value"] = marker + "-secret", ["sensitive"] = true }),
            ["metadata"] = new JsonObject { ["owner"] = marker },
        }, name: marker + "-ep1"));
        var epA2 = await a.Client.CreateEndpointAsync(EndpointBody(QuietUrl, name: marker + "-ep2"));
        var typeA = marker + ".created";
        await (await a.Client.PostJsonAsync("/v1/event-types", new { name = typeA, description = marker + " type" })).ExpectStatusAsync(HttpStatusCode.Created);
        var keyA = await (await a.Client.PostJsonAsync("/v1/keys", new { name = marker + "-viewer", role = "viewer" })).ReadJsonAsync(HttpStatusCode.Created);
        var resourceA = marker + "-res";
        var eventA = await a.Client.PublishAsync(new JsonObject
        {
            ["type"] = typeA,
            ["resource"] = new JsonObject { ["type"] = "inspection", ["id"] = resourceA },
            ["triggered_by"] = new JsonObject { ["type"] = "user", ["id"] = marker + "-user" },
            ["data"] = new JsonObject { ["secret"] = marker + "-data" },
        });
        using (var idempotent = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = Json.Content(new JsonObject { ["type"] = typeA, ["data"] = 1 }) })
        {
            // A's idempotency key, which B will reuse: keys are per organization, so it must confirm nothing.
            idempotent.Headers.Add("Idempotency-Key", SharedIdempotencyKey);
            await (await a.Client.SendAsync(idempotent)).ExpectStatusAsync(HttpStatusCode.Accepted);
        }

        var b = await server.NewOrgAsync("fuzz-b-" + Guid.NewGuid().ToString("N")[..8]);
        var ownBody = Routes.FullEndpoint("fuzz-b-fixture-ep1", receiver.Url("/fixture/b1"), withSecret: false);
        var epB1 = await b.Client.CreateEndpointAsync(ownBody);
        var epB2 = await b.Client.CreateEndpointAsync(EndpointBody(QuietUrl, new JsonObject
        {
            ["event_types"] = new JsonArray("fixture.*"),
            ["signature"] = new JsonObject { ["scheme"] = "ushahidi" },
        }, name: "fuzz-b-fixture-ep2"));
        const string typedB = "fixture.typed";
        await (await b.Client.PostJsonAsync("/v1/event-types", new JsonObject
        {
            ["name"] = typedB,
            ["schema"] = new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray("score"),
                ["properties"] = new JsonObject { ["score"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0 } },
            },
        })).ExpectStatusAsync(HttpStatusCode.Created);
        var viewer = await CreateKeyAsync(b.Client, "fuzz-b-viewer", "viewer");
        var publisher = await CreateKeyAsync(b.Client, "fuzz-b-publisher", "publisher");
        var spare = await CreateKeyAsync(b.Client, "fuzz-b-spare", "viewer");
        var revoked = await CreateKeyAsync(b.Client, "fuzz-b-revoked", "admin");
        await (await b.Client.DeleteAsync("/v1/keys/" + revoked.Str("id"))).ExpectStatusAsync(HttpStatusCode.NoContent);

        var idempotencyKey = "fixture-key-" + Guid.NewGuid().ToString("N");
        using var publish = new HttpRequestMessage(HttpMethod.Post, "/v1/events")
        {
            Content = Json.Content(new JsonObject
            {
                ["type"] = "fixture.created",
                ["resource"] = new JsonObject { ["type"] = "inspection", ["id"] = "audit_fixture" },
                ["data"] = new JsonObject { ["n"] = 1, ["score"] = 5 },
            }),
        };
        publish.Headers.Add("Idempotency-Key", idempotencyKey);
        var eventB = await (await b.Client.SendAsync(publish)).ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(2, eventB.At("deliveries")?.GetValue<int>());

        var busy = await SettleAsync(server, TimeSpan.FromSeconds(20));
        Assert.True(busy.Count == 0, "The fixture's deliveries did not finish before the first dump: " + string.Join("; ", busy));

        // B's event as a version that accepted unpaired surrogates stored it: every read of it must still work.
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(server.DataDir, "herald.db"), Pooling = false }.ToString()))
        {
            connection.Open();
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE events SET data = @data WHERE id = @id";
            update.Parameters.AddWithValue("@data", "{\"n\":1,\"score\":5,\"s\":\"\\udc00\\ud800\"}"u8.ToArray());
            update.Parameters.AddWithValue("@id", eventB.Str("id"));
            Assert.Equal(1, update.ExecuteNonQuery());
        }
        var stored = await (await b.Client.GetAsync("/v1/events/" + eventB.Str("id"))).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("\uFFFD\uFFFD", stored.Str("data.s"));

        var deliveriesA = await a.Client.ListAllAsync("/v1/deliveries");
        var attemptsA = new List<string>();
        foreach (var delivery in deliveriesA)
        {
            var detail = await (await a.Client.GetAsync("/v1/deliveries/" + delivery.Str("id"))).ReadJsonAsync(HttpStatusCode.OK);
            attemptsA.AddRange(detail.At("attempts")!.AsArray().Select(x => x!.Str("id")));
        }
        var deliveryB = (await b.Client.ListAllAsync($"/v1/events/{eventB.Str("id")}/deliveries")).First(d => d.Str("endpoint_id") == epB1.Str("id"));
        var applink = await (await b.Client.GetAsync($"/v1/endpoints/{epB1.Str("id")}/applink")).ReadJsonAsync(HttpStatusCode.OK);
        ownBody.Remove("signature");

        // The leak check is armed: A itself sees these tokens in its own answers.
        var ownView = await (await a.Client.GetAsync("/v1/endpoints")).Content.ReadAsStringAsync();
        Assert.Contains(epA1.Str("id"), ownView, StringComparison.Ordinal);
        Assert.Contains(marker, ownView, StringComparison.Ordinal);

        using var dashboard = await Dashboard.DashboardClient.SignInAsync(server.BaseUrl, b.AdminKey);

        List<string> tokens =
        [
            marker, a.Id, a.AdminKey, epA1.Str("id"), epA2.Str("id"), eventA.Str("id"), keyA.Str("id"),
            .. deliveriesA.Ids(), .. attemptsA, .. (await a.Client.ListAllAsync("/v1/keys")).Ids(), .. (await a.Client.ListAllAsync("/v1/events")).Ids(),
        ];
        return new FuzzWorld
        {
            OperatorKey = HeraldTestServer.AdminKey,
            OwnOrgId = b.Id,
            AdminB = b.AdminKey,
            PublisherB = publisher.Str("key"),
            ViewerB = viewer.Str("key"),
            RevokedB = revoked.Str("key"),
            OwnIds = new Dictionary<IdKind, string>
            {
                [IdKind.Endpoint] = epB1.Str("id"),
                [IdKind.Event] = eventB.Str("id"),
                [IdKind.Delivery] = deliveryB.Str("id"),
                [IdKind.Key] = spare.Str("id"),
                [IdKind.EventType] = typedB,
            },
            ForeignIds = new Dictionary<IdKind, string>
            {
                [IdKind.Endpoint] = epA1.Str("id"),
                [IdKind.Event] = eventA.Str("id"),
                [IdKind.Delivery] = deliveriesA.First(d => d.Str("event_id") == eventA.Str("id")).Str("id"),
                [IdKind.Key] = keyA.Str("id"),
                [IdKind.EventType] = typeA,
            },
            ForeignTokens = [.. tokens.Distinct()],
            ForeignOrgName = a.Name,
            ForeignEventType = typeA,
            ForeignResourceId = resourceA,
            ReceiverUrl = receiver.Url("/"),
            QuietUrl = QuietUrl,
            OwnEndpointBody = ownBody,
            OwnEndpointName = ownBody.Str("name"),
            OwnEventTypeWithSchema = typedB,
            OwnIdempotencyKey = idempotencyKey,
            ValidApplink = applink.Str("applink"),
            DashboardCookie = dashboard.Cookies.GetCookieHeader(server.BaseUrl),
            DashboardCsrf = dashboard.Csrf ?? throw new InvalidOperationException("The dashboard page had no CSRF token."),
        };
    }

    private static async Task<JsonNode> CreateKeyAsync(HttpClient client, string name, string role) =>
        await (await client.PostJsonAsync("/v1/keys", new { name, role })).ReadJsonAsync(HttpStatusCode.Created);

    /// <summary>
    /// Waits until no delivery is being sent or overdue, reading the database file itself. Pending deliveries
    /// due later (a retry schedule) are settled too: nothing will touch them during the comparison.
    /// </summary>
    public static async Task<List<string>> SettleAsync(HeraldTestServer server, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var busy = Busy(Path.Combine(server.DataDir, "herald.db"));
            if (busy.Count == 0 || DateTime.UtcNow > deadline)
            {
                return busy;
            }
            await Task.Delay(100);
        }
    }

    private static List<string> Busy(string database)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        // An open circuit holds an endpoint's due deliveries on purpose (one probe per interval), so they are not "busy".
        command.CommandText = """
            SELECT d.id, d.status, d.next_attempt_at, d.endpoint_id FROM deliveries d LEFT JOIN endpoints e ON e.id = d.endpoint_id
            WHERE d.status = 'delivering' OR (d.status = 'pending' AND d.next_attempt_at <= @now AND COALESCE(e.circuit_open, 0) = 0 AND COALESCE(e.enabled, 1) = 1)
            """;
        command.Parameters.AddWithValue("@now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 500);
        using var reader = command.ExecuteReader();
        var busy = new List<string>();
        while (reader.Read())
        {
            busy.Add($"{reader.GetString(0)} {reader.GetString(1)} (endpoint {reader.GetString(3)}, due {(reader.IsDBNull(2) ? "-" : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)).ToString("O", System.Globalization.CultureInfo.InvariantCulture))})");
        }
        return busy;
    }
}

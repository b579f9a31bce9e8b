using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using static Herald.Tests.Api.ApiTestSupport;

namespace Herald.Tests.Security;

/// <summary>
/// A run of Herald with a secret in every place one can be: API keys (an organization's admin key,
/// a publisher key, an unknown key presented), a given Standard Webhooks secret and its key bytes,
/// a Ushahidi secret, basic-auth passwords, sensitive header values (an <c>Authorization</c> header
/// among them), generated and rotated secrets. Deliveries succeed, fail with 500 and are retried,
/// time out and meet 410 Gone. The test then looks wherever a secret must not be.
/// </summary>
public sealed class SecretScenario : IDisposable
{
    public const string EventType = "secret.checked";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly List<HttpClient> _clients = [];

    private SecretScenario(Uri baseUrl) => BaseUrl = baseUrl;

    public Uri BaseUrl { get; }

    /// <summary>Every secret planted; none may appear where the test looks.</summary>
    public Canaries Secrets { get; } = new();

    /// <summary>The API keys issued in the scenario: stored as SHA-256 hashes only.</summary>
    public List<string> IssuedKeys { get; } = [];

    /// <summary>A value inside the published events' data: stored (it is the payload), never logged.</summary>
    public string DataCanary { get; } = "DATA-CANARY-" + Guid.NewGuid().ToString("N");

    /// <summary>A client with the organization's admin key.</summary>
    public HttpClient Admin { get; private set; } = null!;

    /// <summary>Endpoint ids by role: standard, ushahidi, bearer, failing, timeout, gone.</summary>
    public Dictionary<string, string> Endpoints { get; } = [];

    /// <summary>The event ids published.</summary>
    public List<string> Events { get; } = [];

    public static async Task<SecretScenario> RunAsync(Uri baseUrl, string operatorKey, TestReceiver receiver)
    {
        var scenario = new SecretScenario(baseUrl);
        try
        {
            await scenario.RunAsync(operatorKey, receiver);
            return scenario;
        }
        catch
        {
            scenario.Dispose();
            throw;
        }
    }

    public HttpClient Client(string key)
    {
        var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        _clients.Add(client);
        return client;
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    private async Task RunAsync(string operatorKey, TestReceiver receiver)
    {
        receiver.Responder = (request, _) => request.Path switch
        {
            "/fail" => ResponsePlan.Status(500),
            "/slow" => ResponsePlan.Hanging(),
            "/gone" => ResponsePlan.Status(410),
            _ => ResponsePlan.Ok,
        };

        // A key Herald does not know, presented anyway: refused, and written down nowhere.
        var unknown = Secrets.Add("an unknown API key presented", "hk_" + Canaries.New("UNKNOWNKEY"));
        using (var refused = await Client(unknown).GetAsync("/v1/endpoints"))
        {
            await refused.ExpectStatusAsync(HttpStatusCode.Unauthorized);
        }

        var org = await (await Client(operatorKey).PostJsonAsync("/v1/orgs", new { name = Unique("secrets") })).ReadJsonAsync(HttpStatusCode.Created);
        var adminKey = Secrets.Add("the organization's admin key", org.Str("admin_key"));
        IssuedKeys.Add(adminKey);
        Admin = Client(adminKey);
        var publisherKey = Secrets.Add("a publisher key", (await (await Admin.PostJsonAsync("/v1/keys", new { name = "publisher", role = "publisher" }))
            .ReadJsonAsync(HttpStatusCode.Created)).Str("key"));
        IssuedKeys.Add(publisherKey);
        var publisher = Client(publisherKey);

        // Key bytes that are themselves recognisable text, so a leak of the decoded key is found too.
        var standardKey = Secrets.AddBytes("the given whsec_ secret's key bytes", Encoding.ASCII.GetBytes(Canaries.New("STDKEY")));
        var standardSecret = Secrets.Add("the given whsec_ secret", "whsec_" + Convert.ToBase64String(standardKey));
        var password = Secrets.Add("a basic-auth password", Canaries.New("PASSWORD"));
        var apiToken = Secrets.Add("a sensitive header value", Canaries.New("HEADER"));
        var standard = await CreateAsync("standard", new JsonObject
        {
            ["url"] = receiver.Url("/ok/standard"),
            ["signature"] = new JsonObject { ["scheme"] = "standard", ["secret"] = standardSecret },
            ["auth"] = new JsonObject { ["type"] = "basic", ["username"] = "herald", ["password"] = password },
            ["headers"] = new JsonArray(Header("X-Api-Token", apiToken, true), Header("X-Env", "prod", false)),
        });
        Assert.Equal(standardSecret, standard.Str("signature.secret"));

        var ushahidiSecret = Secrets.Add("the given Ushahidi secret", Canaries.New("USHAHIDI"));
        var ushahidiToken = Secrets.Add("a sensitive header value of the Ushahidi endpoint", Canaries.New("USHHEADER"));
        await CreateAsync("ushahidi", new JsonObject
        {
            ["url"] = receiver.Url("/ok/ushahidi"),
            ["signature"] = new JsonObject { ["scheme"] = "ushahidi", ["secret"] = ushahidiSecret },
            ["headers"] = new JsonArray(Header("X-Ushahidi-Token", ushahidiToken, true)),
        });

        var bearer = Secrets.Add("a sensitive Authorization header's token", Canaries.New("BEARER"));
        await CreateAsync("bearer", new JsonObject
        {
            ["url"] = receiver.Url("/ok/bearer"),
            ["signature"] = new JsonObject { ["scheme"] = "none" },
            ["headers"] = new JsonArray(Header("Authorization", "Bearer " + bearer, true)),
        });

        var failingPassword = Secrets.Add("the failing endpoint's password", Canaries.New("FAILPASSWORD"));
        await CreateAsync("failing", new JsonObject
        {
            ["url"] = receiver.Url("/fail"),
            ["retry"] = new JsonObject { ["schedule"] = new JsonArray("100ms"), ["jitter"] = 0 },
            ["auth"] = new JsonObject { ["type"] = "basic", ["username"] = "herald", ["password"] = failingPassword },
            ["headers"] = new JsonArray(Header("X-Api-Token", Secrets.Add("the failing endpoint's header", Canaries.New("FAILHEADER")), true)),
        });
        await CreateAsync("timeout", new JsonObject
        {
            ["url"] = receiver.Url("/slow"),
            // The receiver records a request once it has read the body: a timeout long enough that a
            // busy machine's receiver gets there first (one attempt, no retry, then the delivery settles).
            ["timeout"] = "2s",
            ["headers"] = new JsonArray(Header("X-Api-Token", Secrets.Add("the slow endpoint's header", Canaries.New("SLOWHEADER")), true)),
        });
        await CreateAsync("gone", new JsonObject
        {
            ["url"] = receiver.Url("/gone"),
            ["auth"] = new JsonObject { ["type"] = "basic", ["username"] = "herald", ["password"] = Secrets.Add("the gone endpoint's password", Canaries.New("GONEPASSWORD")) },
            ["headers"] = new JsonArray(Header("X-Api-Token", Secrets.Add("the gone endpoint's header", Canaries.New("GONEHEADER")), true)),
        });

        // An update that sends the masked value back and adds a new sensitive header.
        var patched = Secrets.Add("a sensitive header added by PATCH", Canaries.New("PATCHED"));
        using (var patch = await Admin.PatchJsonAsync($"/v1/endpoints/{Endpoints["standard"]}", new JsonObject
        {
            ["headers"] = new JsonArray(Header("X-Api-Token", "********", true), Header("X-Env", "prod", false), Header("X-Patched", patched, true)),
        }))
        {
            await patch.ExpectStatusAsync(HttpStatusCode.OK);
        }

        await PublishAsync(publisher, 1);
        await receiver.WaitForAsync(1, Wait, r => r.Path == "/ok/standard");
        await receiver.WaitForAsync(1, Wait, r => r.Path == "/ok/ushahidi");
        await receiver.WaitForAsync(1, Wait, r => r.Path == "/ok/bearer");
        await receiver.WaitForAsync(1, Wait, r => r.Path == "/gone");
        await receiver.WaitForAsync(1, Wait, r => r.Path == "/slow");
        await receiver.WaitForAsync(2, Wait, r => r.Path == "/fail");

        // The secrets were really used: what is absent elsewhere is not absent because it was lost.
        var first = receiver.Requests.First(r => r.Path == "/ok/standard");
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("herald:" + password)), first.Header("Authorization"));
        Assert.Equal(apiToken, first.Header("X-Api-Token"));
        Assert.Equal(patched, first.Header("X-Patched"));
        Assert.True(IndependentVerifier.Verify(standardSecret, first.Headers, first.Body, DateTimeOffset.UtcNow, out var reason), reason);
        Assert.Equal(ushahidiToken, receiver.Requests.First(r => r.Path == "/ok/ushahidi").Header("X-Ushahidi-Token"));
        Assert.NotNull(receiver.Requests.First(r => r.Path == "/ok/ushahidi").Header("X-Ushahidi-Signature"));
        Assert.Equal("Bearer " + bearer, receiver.Requests.First(r => r.Path == "/ok/bearer").Header("Authorization"));

        // Rotation: the new secrets are secrets too, and the old standard one keeps signing alongside.
        var rotated = await RotateAsync("standard");
        Secrets.Add("the rotated whsec_ secret", rotated);
        Secrets.AddBytes("the rotated whsec_ secret's key bytes", Convert.FromBase64String(rotated["whsec_".Length..]));
        Secrets.Add("the rotated Ushahidi secret", await RotateAsync("ushahidi"));

        await PublishAsync(publisher, 2);
        var second = (await receiver.WaitForAsync(2, Wait, r => r.Path == "/ok/standard"))[1];
        Assert.Equal(2, second.Header("webhook-signature")!.Split(' ').Length);
        await receiver.WaitForAsync(2, Wait, r => r.Path == "/ok/ushahidi");

        using (var ping = await Admin.PostAsync($"/v1/endpoints/{Endpoints["bearer"]}/test", null))
        {
            await ping.ExpectStatusAsync(HttpStatusCode.OK);
        }
        await WaitUntilSettledAsync();
    }

    private static JsonObject Header(string name, string value, bool sensitive) =>
        new() { ["name"] = name, ["value"] = value, ["sensitive"] = sensitive };

    private async Task<JsonNode> CreateAsync(string role, JsonObject body)
    {
        body["name"] = Unique(role);
        body["retry"] ??= NoRetry();
        var created = await Admin.CreateEndpointAsync(body);
        Endpoints[role] = created.Str("id");
        if (created.At("signature.secret") is { } secret && body.At("signature.secret") is null)
        {
            // A secret Herald generated is as secret as a given one.
            var text = Secrets.Add($"the generated secret of the {role} endpoint", secret.GetValue<string>());
            if (text.StartsWith("whsec_", StringComparison.Ordinal))
            {
                Secrets.AddBytes($"the generated secret's key bytes of the {role} endpoint", Convert.FromBase64String(text["whsec_".Length..]));
            }
        }
        return created;
    }

    private async Task<string> RotateAsync(string role)
    {
        using var response = await Admin.PostAsync($"/v1/endpoints/{Endpoints[role]}/secret/rotate", null);
        return (await response.ReadJsonAsync(HttpStatusCode.OK)).Str("signature.secret");
    }

    private async Task PublishAsync(HttpClient publisher, int n)
    {
        var accepted = await publisher.PublishAsync(new JsonObject
        {
            ["type"] = EventType,
            ["data"] = new JsonObject { ["note"] = DataCanary, ["n"] = n },
        });
        Events.Add(accepted.Str("id"));
    }

    /// <summary>Waits until no delivery is pending or being delivered: every attempt is recorded.</summary>
    private async Task WaitUntilSettledAsync()
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var open = 0;
            foreach (var status in (string[])["pending", "delivering"])
            {
                var page = await (await Admin.GetAsync($"/v1/deliveries?status={status}")).ReadJsonAsync(HttpStatusCode.OK);
                open += page.At("data")!.AsArray().Count;
            }
            if (open == 0)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{open} deliveries were still pending or being delivered after {Wait.TotalSeconds:0} s.");
            }
            await Task.Delay(100);
        }
    }
}

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static Herald.Tests.Api.ApiTestSupport;

namespace Herald.Tests.Api;

/// <summary>The endpoint body and the rules for updating endpoints.</summary>
public sealed class EndpointValidationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly string[] DefaultSchedule = ["5s", "5m", "30m", "2h", "5h", "10h", "10h"];

    private HeraldTestServer Server => fixture.Server;

    // whsec_ + base64 of 10 bytes: below the 24-byte minimum of Standard Webhooks.
    private static readonly string ShortSecret = "whsec_" + Convert.ToBase64String(Enumerable.Range(0, 10).Select(i => (byte)i).ToArray());

    public static TheoryData<string, string, string> BrokenRules => new()
    {
        // rule, expected error path, fields laid over a valid {name, url} (null removes a field)
        { "url is not http(s)", "url", """{"url": "ftp://example.org/hook"}""" },
        { "url is not absolute", "url", """{"url": "/hooks/herald"}""" },
        { "url is missing", "url", """{"url": null}""" },
        { "name is empty", "name", """{"name": ""}""" },
        { "name is blank", "name", """{"name": "   "}""" },
        { "name is not a string", "name", """{"name": 7}""" },
        { "method is GET", "method", """{"method": "GET"}""" },
        { "retry delay is a bare number", "retry.schedule[0]", """{"retry": {"schedule": [5]}}""" },
        { "second retry delay has no unit", "retry.schedule[1]", """{"retry": {"schedule": ["5s", "10"]}}""" },
        { "second retry delay is not a duration", "retry.schedule[1]", """{"retry": {"schedule": ["5s", "soon"]}}""" },
        { "jitter above 0.5", "retry.jitter", """{"retry": {"jitter": 0.6}}""" },
        { "jitter negative", "retry.jitter", """{"retry": {"jitter": -0.1}}""" },
        { "timeout above 60s", "timeout", """{"timeout": "61s"}""" },
        { "timeout is a bare number string", "timeout", """{"timeout": "5"}""" },
        { "timeout is a number", "timeout", """{"timeout": 5}""" },
        { "duplicate header, other case", "headers[1].name", """{"headers": [{"name": "X-Env", "value": "a"}, {"name": "x-env", "value": "b"}]}""" },
        { "reserved header Content-Type", "headers[0].name", """{"headers": [{"name": "Content-Type", "value": "text/plain"}]}""" },
        { "reserved header Host", "headers[0].name", """{"headers": [{"name": "Host", "value": "example.org"}]}""" },
        { "reserved header webhook-signature", "headers[0].name", """{"headers": [{"name": "webhook-signature", "value": "v1,x"}]}""" },
        { "reserved header webhook-id", "headers[0].name", """{"headers": [{"name": "Webhook-Id", "value": "x"}]}""" },
        { "reserved header Content-Length", "headers[0].name", """{"headers": [{"name": "Content-Length", "value": "1"}]}""" },
        { "Authorization with basic auth", "headers[0].name", """{"auth": {"type": "basic", "username": "u", "password": "p"}, "headers": [{"name": "Authorization", "value": "Bearer x"}]}""" },
        { "header value with CR LF", "headers[0].value", """{"headers": [{"name": "X-Env", "value": "prod\r\nX-Injected: 1"}]}""" },
        { "header value with LF", "headers[0].value", """{"headers": [{"name": "X-Env", "value": "prod\nX"}]}""" },
        { "header name not a token", "headers[0].name", """{"headers": [{"name": "X Env", "value": "prod"}]}""" },
        { "header without value", "headers[0].value", """{"headers": [{"name": "X-Env"}]}""" },
        { "basic auth without username", "auth.username", """{"auth": {"type": "basic", "password": "p"}}""" },
        { "basic auth without password", "auth.password", """{"auth": {"type": "basic", "username": "u"}}""" },
        { "unknown auth type", "auth.type", """{"auth": {"type": "bearer", "token": "t"}}""" },
        { "secret without whsec_", "signature.secret", """{"signature": {"scheme": "standard", "secret": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}}""" },
        { "secret of 10 bytes", "signature.secret", $$$"""{"signature": {"secret": "{{{ShortSecret}}}"}}""" },
        { "secret not base64", "signature.secret", """{"signature": {"secret": "whsec_!!!not base64!!!"}}""" },
        { "unknown signature scheme", "signature.scheme", """{"signature": {"scheme": "hmac-sha1"}}""" },
        { "star inside an event type pattern", "event_types[0]", """{"event_types": ["a*b"]}""" },
        { "second event type pattern has a space", "event_types[1]", """{"event_types": ["inspection.*", "bad type"]}""" },
        { "event_types not an array", "event_types", """{"event_types": "inspection.*"}""" },
        { "unknown format", "format", """{"format": "xml"}""" },
        { "signature header with the standard scheme", "signature.header", """{"signature": {"scheme": "standard", "header": "X-Sig"}}""" },
        { "secret with scheme none", "signature.secret", """{"signature": {"scheme": "none", "secret": "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX"}}""" },
        { "username with auth none", "auth", """{"auth": {"type": "none", "username": "u"}}""" },
        { "template without the template format", "template", """{"template": "{{ data | json }}"}""" },
        { "interval with immediate delivery", "delivery", """{"delivery": {"mode": "immediate", "interval": "5m"}}""" },
        { "negative rate limit", "rate_limit", """{"rate_limit": -1}""" },
        { "filter is an array", "filter", """{"filter": [1]}""" },
        { "entity type with a space", "entity_types[0]", """{"entity_types": ["in spection"]}""" },
        { "url with a space", "url", """{"url": "http://example.org/a b"}""" },
        { "url with credentials", "url", """{"url": "http://user:pw@example.org/hook"}""" },
        { "mask sent as a plain header value", "headers[0].value", """{"headers": [{"name": "X-Token", "value": "********", "sensitive": false}]}""" },
        { "description is a number", "description", """{"description": 5}""" },
        { "unknown top-level field", "foo", """{"foo": 1}""" },
        { "unknown nested field in retry", "retry.foo", """{"retry": {"schedule": ["1s"], "foo": true}}""" },
        { "unknown nested field in auth", "auth.token", """{"auth": {"type": "none", "token": "x"}}""" },
        { "unknown nested field in a header", "headers[0].secret", """{"headers": [{"name": "X-Env", "value": "a", "secret": true}]}""" },
        { "unknown delivery mode", "delivery.mode", """{"delivery": {"mode": "later"}}""" },
        { "unknown ordering", "ordering", """{"ordering": "random"}""" },
        { "metadata is an array", "metadata", """{"metadata": [1, 2]}""" },
        { "metadata is a string", "metadata", """{"metadata": "team=a"}""" },
        { "enabled as a string", "enabled", """{"enabled": "true"}""" },
    };

    [Theory]
    [MemberData(nameof(BrokenRules))]
    public async Task Create_Returns422AtThePath_WhenARuleIsBroken(string rule, string path, string overlay)
    {
        var body = new JsonObject { ["name"] = Unique("invalid"), ["url"] = QuietUrl };
        foreach (var (key, value) in JsonNode.Parse(overlay)!.AsObject())
        {
            if (value is null)
            {
                body.Remove(key);
            }
            else
            {
                body[key] = value.DeepClone();
            }
        }

        var response = await Server.Client.PostJsonAsync("/v1/endpoints", body);

        var problem = await response.ExpectValidationErrorAsync(path);
        Assert.False(string.IsNullOrWhiteSpace(problem.At("detail")?.GetValue<string>()), $"{rule}: the problem has no detail");
    }

    [Fact]
    public async Task Create_ReportsMissingNameAndUrl_InOneResponse()
    {
        var response = await Server.Client.PostJsonAsync("/v1/endpoints", new { method = "POST" });

        var problem = await response.ExpectValidationErrorAsync("name");
        Assert.NotNull(problem.At("errors.url"));
    }

    [Fact]
    public async Task Create_ReportsEveryBrokenField_InOneResponse()
    {
        var response = await Server.Client.PostJsonAsync("/v1/endpoints", new
        {
            name = Unique("many"),
            url = QuietUrl,
            method = "GET",
            timeout = "5",
            retry = new { schedule = new object[] { "5s", 5 }, jitter = 0.9 },
        });

        var problem = await response.ExpectValidationErrorAsync("method");
        foreach (var path in (string[])["timeout", "retry.schedule[1]", "retry.jitter"])
        {
            Assert.True(problem.At("errors")!.AsObject().ContainsKey(path), $"missing {path} in {problem.ToJsonString()}");
        }
    }

    [Fact]
    public async Task Create_Returns400_WhenTheBodyIsMalformedJson()
    {
        var response = await Server.Client.PostJsonAsync("/v1/endpoints", """{"name": "x", "url": """);

        await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("\"endpoint\"")]
    [InlineData("42")]
    [InlineData("null")]
    public async Task Create_Returns422_WhenTheBodyIsNotAnObject(string body)
    {
        var response = await Server.Client.PostJsonAsync("/v1/endpoints", body);

        await response.ExpectProblemAsync((HttpStatusCode)422);
    }

    [Fact]
    public async Task Create_Returns415_WhenTheContentTypeIsTextPlain()
    {
        var content = new StringContent($$"""{"name": "{{Unique("plain")}}", "url": "{{QuietUrl}}"}""", Encoding.UTF8, "text/plain");

        var response = await Server.Client.PostAsync("/v1/endpoints", content);

        await response.ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Create_WithOnlyNameAndUrl_ShowsTheDesignDefaults()
    {
        var org = await Server.NewOrgAsync();
        var name = Unique("defaults");

        var created = await org.Client.CreateEndpointAsync(new { name, url = QuietUrl });
        var id = created.Str("id");
        var fetched = await (await org.Client.GetAsync($"/v1/endpoints/{id}")).ReadJsonAsync(HttpStatusCode.OK);

        Assert.StartsWith("ep_", id);
        Assert.Equal(29, id.Length);
        foreach (var resource in (JsonNode[])[created, fetched])
        {
            Assert.Equal(id, resource.Str("id"));
            Assert.Equal(name, resource.Str("name"));
            Assert.Equal(QuietUrl, resource.Str("url"));
            Assert.Equal("POST", resource.Str("method"));
            Assert.Equal("", resource.Str("description"));
            Json.AssertEqual(Array.Empty<string>(), resource.At("event_types"));
            Json.AssertEqual(Array.Empty<string>(), resource.At("entity_types"));
            Assert.Null(resource.At("filter"));
            Assert.Equal("none", resource.Str("auth.type"));
            Assert.Equal("standard", resource.Str("signature.scheme"));
            Json.AssertEqual(Array.Empty<object>(), resource.At("headers"));
            Assert.Equal("envelope", resource.Str("format"));
            Json.AssertEqual(DefaultSchedule, resource.At("retry.schedule"));
            Assert.Equal(0.1, resource.At("retry.jitter")!.GetValue<double>());
            Assert.Equal("immediate", resource.Str("delivery.mode"));
            Assert.Equal("15s", resource.Str("timeout"));
            Assert.Null(resource.At("rate_limit"));
            Assert.Equal("none", resource.Str("ordering"));
            Assert.True(resource.At("enabled")!.GetValue<bool>());
            Json.AssertEqual(new { }, resource.At("metadata"));
            Assert.True(resource.At("insecure")!.GetValue<bool>());
            Assert.Equal("closed", resource.Str("circuit"));
            Assert.True(resource.AsObject().ContainsKey("disabled_reason"), "disabled_reason is missing");
            Assert.Null(resource.At("disabled_reason"));
            Assert.EndsWith("Z", resource.Str("created_at"));
            Assert.EndsWith("Z", resource.Str("updated_at"));
        }

        var secret = created.Str("signature.secret");
        Assert.StartsWith("whsec_", secret);
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        Assert.InRange(key.Length, 24, 64);
        Assert.Equal("…" + secret[^4..], created.Str("signature.secret_hint"));

        Assert.Null(fetched.At("signature.secret"));
        Assert.Equal("…" + secret[^4..], fetched.Str("signature.secret_hint"));
        Assert.DoesNotContain(secret, fetched.ToJsonString(Json.Verbatim));

        var listed = await org.Client.ListAllAsync("/v1/endpoints");
        var inList = Assert.Single(listed);
        Assert.Null(inList.At("signature.secret"));
        Assert.DoesNotContain(secret, inList.ToJsonString(Json.Verbatim));
    }

    [Fact]
    public async Task Create_WithAnHttpsUrl_IsNotFlaggedInsecure()
    {
        var org = await Server.NewOrgAsync();

        var created = await org.Client.CreateEndpointAsync(new { name = Unique("tls"), url = "https://127.0.0.1:9/hook" });

        Assert.False(created.At("insecure")!.GetValue<bool>());
    }

    [Fact]
    public async Task Create_KeepsAGivenStandardSecret_AndShowsItOnce()
    {
        var org = await Server.NewOrgAsync();
        var secret = "whsec_" + Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

        var created = await org.Client.CreateEndpointAsync(new { name = Unique("given"), url = QuietUrl, signature = new { scheme = "standard", secret } });
        var fetched = await (await org.Client.GetAsync($"/v1/endpoints/{created.Str("id")}")).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(secret, created.Str("signature.secret"));
        Assert.Null(fetched.At("signature.secret"));
        Assert.Equal("…" + secret[^4..], fetched.Str("signature.secret_hint"));
    }

    [Fact]
    public async Task Create_MasksTheBasicAuthPasswordAndSensitiveHeaders_InEveryResponse()
    {
        var org = await Server.NewOrgAsync();

        var created = await org.Client.CreateEndpointAsync(new
        {
            name = Unique("masked"),
            url = QuietUrl,
            auth = new { type = "basic", username = "u", password = "pa55word" },
            headers = new object[]
            {
                new { name = "X-Env", value = "prod", sensitive = false },
                new { name = "X-Api-Token", value = "s3cr3t-token", sensitive = true },
            },
        });
        var fetched = await (await org.Client.GetAsync($"/v1/endpoints/{created.Str("id")}")).ReadJsonAsync(HttpStatusCode.OK);

        foreach (var resource in (JsonNode[])[created, fetched])
        {
            Assert.Equal("u", resource.Str("auth.username"));
            Assert.Equal("********", resource.Str("auth.password"));
            Assert.Equal("prod", resource.Str("headers[0].value"));
            Assert.Equal("********", resource.Str("headers[1].value"));
            Assert.True(resource.At("headers[1].sensitive")!.GetValue<bool>());
            var text = resource.ToJsonString(Json.Verbatim);
            Assert.DoesNotContain("pa55word", text);
            Assert.DoesNotContain("s3cr3t-token", text);
        }
    }

    [Fact]
    public async Task Put_ReplacesTheEndpoint_OmittedFieldsTakeDefaults_AndOmittedEnabledKeepsTheState()
    {
        var org = await Server.NewOrgAsync();
        var created = await org.Client.CreateEndpointAsync(new
        {
            name = Unique("before"),
            url = QuietUrl,
            method = "PUT",
            description = "first version",
            event_types = new[] { "inspection.*" },
            entity_types = new[] { "inspection" },
            headers = new[] { new { name = "X-Env", value = "prod" } },
            retry = new { schedule = new[] { "100s", "100s", "100s" }, jitter = 0 },
            timeout = "30s",
            metadata = new { team = "a" },
        });
        var id = created.Str("id");
        var disabled = await (await org.Client.PostAsync($"/v1/endpoints/{id}/disable", null)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.False(disabled.At("enabled")!.GetValue<bool>());

        var newName = Unique("after");
        var replaced = await (await org.Client.PutJsonAsync($"/v1/endpoints/{id}", new { name = newName, url = "http://127.0.0.1:9/other" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        var fetched = await (await org.Client.GetAsync($"/v1/endpoints/{id}")).ReadJsonAsync(HttpStatusCode.OK);

        foreach (var resource in (JsonNode[])[replaced, fetched])
        {
            Assert.Equal(id, resource.Str("id"));
            Assert.Equal(newName, resource.Str("name"));
            Assert.Equal("http://127.0.0.1:9/other", resource.Str("url"));
            Assert.Equal("POST", resource.Str("method"));
            Assert.Equal("", resource.Str("description"));
            Json.AssertEqual(Array.Empty<string>(), resource.At("event_types"));
            Json.AssertEqual(Array.Empty<string>(), resource.At("entity_types"));
            Json.AssertEqual(Array.Empty<object>(), resource.At("headers"));
            Json.AssertEqual(DefaultSchedule, resource.At("retry.schedule"));
            Assert.Equal(0.1, resource.At("retry.jitter")!.GetValue<double>());
            Assert.Equal("15s", resource.Str("timeout"));
            Json.AssertEqual(new { }, resource.At("metadata"));
            Assert.False(resource.At("enabled")!.GetValue<bool>());
            Assert.Equal(created.Str("created_at"), resource.Str("created_at"));
            Assert.Equal(created.Str("signature.secret_hint"), resource.Str("signature.secret_hint"));
            Assert.Null(resource.At("signature.secret"));
        }

        var enabled = await (await org.Client.PutJsonAsync($"/v1/endpoints/{id}", new { name = newName, url = QuietUrl, enabled = true }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(enabled.At("enabled")!.GetValue<bool>());
    }

    [Fact]
    public async Task Put_ReturnsTheResourceUnchanged_WhenSentWhatGetShowed()
    {
        var org = await Server.NewOrgAsync();
        var created = await org.Client.CreateEndpointAsync(new
        {
            name = Unique("roundtrip"),
            url = QuietUrl,
            method = "PUT",
            description = "every field set",
            event_types = new[] { "inspection.*", "observation.created" },
            entity_types = new[] { "inspection" },
            auth = new { type = "basic", username = "user", password = "pa55word" },
            headers = new object[]
            {
                new { name = "X-Env", value = "prod", sensitive = false },
                new { name = "X-Api-Token", value = "s3cr3t", sensitive = true },
            },
            retry = new { schedule = new[] { "100s", "100s", "100s" }, jitter = 0 },
            timeout = "20s",
            enabled = false,
            metadata = new { team = "field", tags = new[] { "a", "b" } },
        });
        var id = created.Str("id");
        var fetched = await (await org.Client.GetAsync($"/v1/endpoints/{id}")).ReadJsonAsync(HttpStatusCode.OK);

        var replaced = await (await org.Client.PutJsonAsync($"/v1/endpoints/{id}", fetched)).ReadJsonAsync(HttpStatusCode.OK);
        var again = await (await org.Client.GetAsync($"/v1/endpoints/{id}")).ReadJsonAsync(HttpStatusCode.OK);

        Json.AssertEqual(WithoutUpdatedAt(fetched), WithoutUpdatedAt(replaced));
        Json.AssertEqual(WithoutUpdatedAt(fetched), WithoutUpdatedAt(again));
    }

    [Theory]
    [InlineData("application/merge-patch+json")]
    [InlineData("application/json")]
    public async Task Patch_ChangesOneField_AndKeepsTheRest(string mediaType)
    {
        var org = await Server.NewOrgAsync();
        var created = await org.Client.CreateEndpointAsync(new
        {
            name = Unique("patch"),
            url = QuietUrl,
            description = "before",
            event_types = new[] { "inspection.*" },
            auth = new { type = "basic", username = "u", password = "p" },
            headers = new[] { new { name = "X-Api-Token", value = "s3cr3t", sensitive = true } },
            retry = new { schedule = new[] { "1s" }, jitter = 0 },
            metadata = new { team = "a", region = "eu" },
        });
        var id = created.Str("id");
        var before = await (await org.Client.GetAsync($"/v1/endpoints/{id}")).ReadJsonAsync(HttpStatusCode.OK);

        var patched = await (await org.Client.PatchJsonAsync($"/v1/endpoints/{id}", new { description = "after" }, mediaType))
            .ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal("after", patched.Str("description"));
        var expected = WithoutUpdatedAt(before);
        expected["description"] = "after";
        Json.AssertEqual(expected, WithoutUpdatedAt(patched));

        // Merge patch: null removes a member, nested objects merge.
        var merged = await (await org.Client.PatchJsonAsync($"/v1/endpoints/{id}", JsonNode.Parse("""{"metadata": {"region": null, "tier": 2}}"""), mediaType))
            .ReadJsonAsync(HttpStatusCode.OK);
        Json.AssertEqual(new { team = "a", tier = 2 }, merged.At("metadata"));
        Assert.Equal("after", merged.Str("description"));
    }

    [Fact]
    public async Task Patch_Returns422AtThePath_WhenThePatchedEndpointIsInvalid()
    {
        var org = await Server.NewOrgAsync();
        var id = (await org.Client.CreateEndpointAsync(new { name = Unique("patch-bad"), url = QuietUrl })).Str("id");

        var response = await org.Client.PatchJsonAsync($"/v1/endpoints/{id}", new { timeout = "61s" });

        await response.ExpectValidationErrorAsync("timeout");
        var fetched = await (await org.Client.GetAsync($"/v1/endpoints/{id}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("15s", fetched.Str("timeout"));
    }

    [Fact]
    public async Task PutAndPatch_Return422_WhenTheyCarryASecret()
    {
        var org = await Server.NewOrgAsync();
        var created = await org.Client.CreateEndpointAsync(new { name = Unique("nosecret"), url = QuietUrl });
        var id = created.Str("id");
        var secret = "whsec_" + Convert.ToBase64String(new byte[32]);

        var put = await org.Client.PutJsonAsync($"/v1/endpoints/{id}", new { name = created.Str("name"), url = QuietUrl, signature = new { scheme = "standard", secret } });
        var patch = await org.Client.PatchJsonAsync($"/v1/endpoints/{id}", new { signature = new { secret } });

        await put.ExpectValidationErrorAsync("signature.secret");
        await patch.ExpectValidationErrorAsync("signature.secret");
        var fetched = await (await org.Client.GetAsync($"/v1/endpoints/{id}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(created.Str("signature.secret_hint"), fetched.Str("signature.secret_hint"));
    }

    [Fact]
    public async Task ChangingTheSignatureScheme_ReturnsANewSecretOnce()
    {
        var org = await Server.NewOrgAsync();
        var created = await org.Client.CreateEndpointAsync(new { name = Unique("scheme"), url = QuietUrl });
        var id = created.Str("id");
        var original = created.Str("signature.secret");

        var unsigned = await (await org.Client.PatchJsonAsync($"/v1/endpoints/{id}", new { signature = new { scheme = "none" } }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("none", unsigned.Str("signature.scheme"));
        Assert.Null(unsigned.At("signature.secret"));
        Assert.Null(unsigned.At("signature.secret_hint"));

        var signed = await (await org.Client.PatchJsonAsync($"/v1/endpoints/{id}", new { signature = new { scheme = "standard" } }))
            .ReadJsonAsync(HttpStatusCode.OK);
        var renewed = signed.Str("signature.secret");
        Assert.StartsWith("whsec_", renewed);
        Assert.NotEqual(original, renewed);
        Assert.Equal("…" + renewed[^4..], signed.Str("signature.secret_hint"));

        var fetched = await (await org.Client.GetAsync($"/v1/endpoints/{id}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Null(fetched.At("signature.secret"));
        Assert.Equal("…" + renewed[^4..], fetched.Str("signature.secret_hint"));

        // The same scheme again is no change: no secret is revealed.
        var same = await (await org.Client.PatchJsonAsync($"/v1/endpoints/{id}", new { signature = new { scheme = "standard" } }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Null(same.At("signature.secret"));
        Assert.Equal("…" + renewed[^4..], same.Str("signature.secret_hint"));
    }

    [Fact]
    public async Task AMaskedSensitiveHeaderSentBack_KeepsTheStoredValueOnTheWire()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var org = await Server.NewOrgAsync();
        var created = await org.Client.CreateEndpointAsync(EndpointBody(receiver.Url(), JsonNode.Parse("""
            {"headers": [{"name": "X-Api-Token", "value": "s3cr3t", "sensitive": true},
                         {"name": "X-Env", "value": "prod", "sensitive": false}]}
            """)!.AsObject()));
        var id = created.Str("id");

        var patched = await (await org.Client.PatchJsonAsync($"/v1/endpoints/{id}", JsonNode.Parse("""
            {"headers": [{"name": "X-Api-Token", "value": "********", "sensitive": true},
                         {"name": "X-Env", "value": "staging", "sensitive": false}]}
            """))).ReadJsonAsync(HttpStatusCode.OK);
        var fetched = await (await org.Client.GetAsync($"/v1/endpoints/{id}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("********", patched.Str("headers[0].value"));
        Assert.Equal("********", fetched.Str("headers[0].value"));
        Assert.Equal("staging", fetched.Str("headers[1].value"));

        // A GET → PUT round trip also sends the mask back.
        await (await org.Client.PutJsonAsync($"/v1/endpoints/{id}", fetched)).ExpectStatusAsync(HttpStatusCode.OK);

        var published = await org.Client.PublishAsync(new { type = "masked.header", data = new { n = 1 } });
        Assert.Equal(1, published.At("deliveries")!.GetValue<int>());
        var request = Assert.Single(await receiver.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        Assert.Equal("s3cr3t", request.Header("X-Api-Token"));
        Assert.Equal("staging", request.Header("X-Env"));

        // The attempt log shows the mask, never the value.
        var deliveries = await (await org.Client.GetAsync($"/v1/events/{published.Str("id")}/deliveries")).ReadJsonAsync(HttpStatusCode.OK);
        var deliveryId = deliveries.Str("data[0].id");
        var detail = await WaitForAttemptAsync(org.Client, deliveryId);
        var logged = detail.At("attempts[0].request.headers")!.AsObject();
        var token = logged.FirstOrDefault(h => h.Key.Equals("X-Api-Token", StringComparison.OrdinalIgnoreCase)).Value;
        Assert.Equal("********", token?.GetValue<string>());
        Assert.DoesNotContain("s3cr3t", detail.ToJsonString(Json.Verbatim));
    }

    [Fact]
    public async Task AMaskedHeaderWithNoStoredValue_Returns422()
    {
        var org = await Server.NewOrgAsync();
        var id = (await org.Client.CreateEndpointAsync(new { name = Unique("nomask"), url = QuietUrl })).Str("id");

        var response = await org.Client.PatchJsonAsync($"/v1/endpoints/{id}", JsonNode.Parse("""
            {"headers": [{"name": "X-Api-Token", "value": "********", "sensitive": true}]}
            """));

        await response.ExpectValidationErrorAsync("headers[0].value");
    }

    [Fact]
    public async Task Create_Returns409_WhenTheNameIsTakenInTheOrganization_ButNotInAnother()
    {
        var orgA = await Server.NewOrgAsync();
        var orgB = await Server.NewOrgAsync();
        var name = Unique("shared-name");
        await orgA.Client.CreateEndpointAsync(new { name, url = QuietUrl });

        var duplicate = await orgA.Client.PostJsonAsync("/v1/endpoints", new { name, url = "http://127.0.0.1:9/other" });
        await duplicate.ExpectProblemAsync(HttpStatusCode.Conflict);

        var elsewhere = await orgB.Client.CreateEndpointAsync(new { name, url = QuietUrl });
        Assert.Equal(name, elsewhere.Str("name"));
    }

    [Fact]
    public async Task Rename_Returns409_WhenTheNewNameIsTaken()
    {
        var org = await Server.NewOrgAsync();
        var taken = Unique("taken");
        await org.Client.CreateEndpointAsync(new { name = taken, url = QuietUrl });
        var id = (await org.Client.CreateEndpointAsync(new { name = Unique("other"), url = QuietUrl })).Str("id");

        var response = await org.Client.PatchJsonAsync($"/v1/endpoints/{id}", new { name = taken });

        await response.ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Delete_Returns204_ThenTheEndpointIsGone()
    {
        var org = await Server.NewOrgAsync();
        var id = (await org.Client.CreateEndpointAsync(new { name = Unique("doomed"), url = QuietUrl })).Str("id");

        var deleted = await org.Client.DeleteAsync($"/v1/endpoints/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await deleted.Content.ReadAsByteArrayAsync());

        await (await org.Client.GetAsync($"/v1/endpoints/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await org.Client.DeleteAsync($"/v1/endpoints/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty(await org.Client.ListAllAsync("/v1/endpoints"));
    }

    [Fact]
    public async Task Delete_FreesTheName()
    {
        var org = await Server.NewOrgAsync();
        var name = Unique("reuse");
        var id = (await org.Client.CreateEndpointAsync(new { name, url = QuietUrl })).Str("id");
        await (await org.Client.DeleteAsync($"/v1/endpoints/{id}")).ExpectStatusAsync(HttpStatusCode.NoContent);

        var again = await org.Client.CreateEndpointAsync(new { name, url = QuietUrl });

        Assert.NotEqual(id, again.Str("id"));
    }

    private static JsonObject WithoutUpdatedAt(JsonNode resource)
    {
        var copy = resource.DeepClone().AsObject();
        copy.Remove("updated_at");
        return copy;
    }

    private static async Task<JsonNode> WaitForAttemptAsync(HttpClient client, string deliveryId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var detail = await (await client.GetAsync($"/v1/deliveries/{deliveryId}")).ReadJsonAsync(HttpStatusCode.OK);
            if (detail.At("attempts") is JsonArray { Count: > 0 } || DateTime.UtcNow > deadline)
            {
                Assert.True(detail.At("attempts") is JsonArray { Count: > 0 }, $"No attempt logged: {detail.ToJsonString()}");
                return detail;
            }
            await Task.Delay(50);
        }
    }
}

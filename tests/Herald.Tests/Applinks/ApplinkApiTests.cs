using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Herald.Tests.Api;
using QRCoder;
using static Herald.Tests.Api.ApiTestSupport;

namespace Herald.Tests.Applinks;

/// <summary>CyberTracker applinks over the API: links and QR codes (docs/applinks.md).</summary>
public sealed class ApplinkApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private const string LinkPrefix = "https://cybertrackerwiki.org/applink?x=";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private TestReceiver _receiver = null!;

    private HeraldTestServer Server => fixture.Server;

    public async Task InitializeAsync() => _receiver = await TestReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    /// <summary>An applink as CyberTracker's documentation builds one: standard base64 of the JSON text.</summary>
    private static string LinkFor(string json) => LinkPrefix + Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes(json)));

    private static string LinkFor(object payload) => LinkFor(Json.Serialize(payload));

    /// <summary>What CyberTracker would read from a link: the JSON behind x, decoded without Herald's code.</summary>
    private static JsonNode PayloadOf(string link)
    {
        Assert.StartsWith(LinkPrefix, link);
        var x = link[LinkPrefix.Length..];
        Assert.DoesNotContain('+', x);
        Assert.DoesNotContain(' ', x);
        return JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(Uri.UnescapeDataString(x))))!;
    }

    private static async Task<JsonNode> CreateKeyAsync(TestOrg org, string role) =>
        await (await org.Client.PostJsonAsync("/v1/keys", new { name = Unique(role), role })).ReadJsonAsync(HttpStatusCode.Created);

    [Fact]
    public async Task GetApplink_ReturnsTheLinkAndTheJsonItCarries()
    {
        var org = await Server.NewOrgAsync();
        var name = Unique("Réserve du Sahel 野生动物");
        var endpoint = await org.Client.CreateEndpointAsync(new { name, url = "https://field.example.org/hooks/ct?site=7" });

        var response = await org.Client.GetAsync($"/v1/endpoints/{endpoint.Str("id")}/applink");

        var body = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Json.AssertEqual(new JsonObject { ["webhook"] = true, ["url"] = "https://field.example.org/hooks/ct?site=7", ["entity"] = name }, body.At("json"));
        Json.AssertEqual(body.At("json"), PayloadOf(body.Str("applink")));
        Assert.Equal(new[] { "applink", "json" }, body.AsObject().Select(p => p.Key).Order());
    }

    [Fact]
    public async Task GetApplinkPng_IsTheQrCodeOfTheApplink_WithAQuietZone()
    {
        var org = await Server.NewOrgAsync();
        var id = (await org.Client.CreateEndpointAsync(new { name = Unique("png"), url = "https://example.org/hook" })).Str("id");
        var link = (await (await org.Client.GetAsync($"/v1/endpoints/{id}/applink")).ReadJsonAsync(HttpStatusCode.OK)).Str("applink");

        var response = await org.Client.GetAsync($"/v1/endpoints/{id}/applink.png");

        await response.ExpectStatusAsync(HttpStatusCode.OK);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var png = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(PngSignature, png[..8]);
        var (width, height, dark) = ReadBlackAndWhitePng(png);
        Assert.Equal(width, height);
        // The modules the image shows are the code of the applink at level M, quiet zone included.
        using var expected = QRCodeGenerator.GenerateQrCode(link, QRCodeGenerator.ECCLevel.M);
        var modules = expected.ModuleMatrix.Count;
        Assert.Equal(0, width % modules);
        var scale = width / modules;
        Assert.InRange(scale, 4, 20);
        Assert.InRange(width, 250, 2000);
        for (var y = 0; y < modules; y++)
        {
            for (var x = 0; x < modules; x++)
            {
                Assert.True(expected.ModuleMatrix[y][x] == dark(x * scale + scale / 2, y * scale + scale / 2), $"module ({x}, {y}) differs");
            }
        }
        for (var i = 0; i < 4; i++)
        {
            Assert.False(dark(i * scale, width / 2), "the quiet zone is not light");
        }
    }

    [Fact]
    public async Task GetApplinkSvg_IsWellFormedSvg()
    {
        var org = await Server.NewOrgAsync();
        var id = (await org.Client.CreateEndpointAsync(new { name = Unique("svg"), url = "https://example.org/hook" })).Str("id");

        var response = await org.Client.GetAsync($"/v1/endpoints/{id}/applink.svg");

        await response.ExpectStatusAsync(HttpStatusCode.OK);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("<svg", text);
        var svg = XDocument.Parse(text).Root!;
        Assert.Equal("svg", svg.Name.LocalName);
        Assert.Equal("http://www.w3.org/2000/svg", svg.Name.NamespaceName);
        Assert.NotNull(svg.Attribute("viewBox"));
    }

    [Fact]
    public async Task Import_CreatesAWorkingEndpoint_NamedAfterTheEntity()
    {
        var org = await Server.NewOrgAsync();
        var entity = Unique("My entity 🐘");
        var link = LinkFor($$"""
            {
              "webhook": true,
              "url": "{{_receiver.Url("/imported")}}",
              "entity": "{{entity}}"
            }
            """);

        var created = await (await org.Client.PostJsonAsync("/v1/applinks/import", new { applink = link })).ReadJsonAsync(HttpStatusCode.Created);

        Assert.StartsWith("ep_", created.Str("id"));
        Assert.Equal(entity, created.Str("name"));
        Assert.Equal(_receiver.Url("/imported"), created.Str("url"));
        Assert.Equal("standard", created.Str("signature.scheme"));
        var secret = created.Str("signature.secret");
        Assert.StartsWith("whsec_", secret);
        var stored = await (await org.Client.GetAsync($"/v1/endpoints/{created.Str("id")}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Null(stored.At("signature.secret"));

        var published = await org.Client.PublishAsync(new { type = "observation.created", data = new { species = "elephant" } });

        Assert.Equal(1, published.At("deliveries")!.GetValue<int>());
        var request = (await _receiver.WaitForAsync("/imported", 1, Wait))[0];
        Assert.Equal(published.Str("id"), request.Json().Str("event_id"));
        Assert.Equal(created.Str("id"), request.Json().Str("endpoint_id"));
        Assert.Equal("elephant", request.Json().Str("data.species"));
        Assert.True(IndependentVerifier.Verify(secret, request.Headers, request.Body, DateTimeOffset.UtcNow, out var reason), reason);
    }

    [Fact]
    public async Task Import_UsesTheGivenNameAndSecret()
    {
        var org = await Server.NewOrgAsync();
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        var name = Unique("chosen");
        var link = LinkFor(new { webhook = true, url = _receiver.Url("/named"), entity = "ignored entity" });

        var created = await (await org.Client.PostJsonAsync("/v1/applinks/import", new { applink = link, name, secret })).ReadJsonAsync(HttpStatusCode.Created);

        Assert.Equal(name, created.Str("name"));
        Assert.Equal(secret, created.Str("signature.secret"));
        await org.Client.PublishAsync(new { type = "a.b", data = 1 });
        var request = (await _receiver.WaitForAsync("/named", 1, Wait))[0];
        Assert.True(IndependentVerifier.Verify(secret, request.Headers, request.Body, DateTimeOffset.UtcNow, out var reason), reason);
    }

    [Fact]
    public async Task Import_ReadsTheApplinkHeraldGives_ForAnotherOrganization()
    {
        var source = await Server.NewOrgAsync();
        var target = await Server.NewOrgAsync();
        var name = Unique("shared");
        var id = (await source.Client.CreateEndpointAsync(new { name, url = "https://example.org/hooks/a+b/c?d=1" })).Str("id");
        var link = (await (await source.Client.GetAsync($"/v1/endpoints/{id}/applink")).ReadJsonAsync(HttpStatusCode.OK)).Str("applink");

        var created = await (await target.Client.PostJsonAsync("/v1/applinks/import", new { applink = link })).ReadJsonAsync(HttpStatusCode.Created);

        Assert.Equal(name, created.Str("name"));
        Assert.Equal("https://example.org/hooks/a+b/c?d=1", created.Str("url"));
        Assert.Single(await target.Client.ListAllAsync("/v1/endpoints"));
    }

    [Fact]
    public async Task Import_Returns409_WhenTheEntityNamesAnExistingEndpoint()
    {
        var org = await Server.NewOrgAsync();
        var name = Unique("taken");
        await org.Client.CreateEndpointAsync(new { name, url = QuietUrl });
        var link = LinkFor(new { webhook = true, url = "https://example.org/other", entity = name });

        var problem = await (await org.Client.PostJsonAsync("/v1/applinks/import", new { applink = link })).ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains(name, problem.Str("detail"));
        Assert.Single(await org.Client.ListAllAsync("/v1/endpoints"));
    }

    private static string Import(object payload, string? extra = null) => Import(LinkFor(payload), extra);

    private static string Import(string link, string? extra = null) =>
        $"{{\"applink\": {JsonValue.Create(link).ToJsonString()}{(extra is null ? "" : ", " + extra)}}}";

    public static TheoryData<string, string, string> InvalidImports()
    {
        var good = new { webhook = true, url = "https://example.org/hook", entity = "E" };
        return new TheoryData<string, string, string>
        {
            // case, body, error path
            { "no applink", """{"name": "n"}""", "applink" },
            { "applink not a string", """{"applink": 5}""", "applink" },
            { "applink empty", """{"applink": ""}""", "applink" },
            { "not a URL", Import("scan me"), "applink" },
            { "ftp URL", Import("ftp://cybertrackerwiki.org/applink?x=e30="), "applink" },
            { "no x", Import("https://cybertrackerwiki.org/applink?y=1"), "applink" },
            { "bad base64", Import("https://cybertrackerwiki.org/applink?x=ab*cd"), "applink" },
            { "not JSON", Import(LinkFor("webhook: yes")), "applink" },
            { "webhook false", Import(new { webhook = false, url = "https://e.org/h", entity = "E" }), "applink" },
            { "no url", Import(new { webhook = true, entity = "E" }), "applink" },
            { "url not http", Import(new { webhook = true, url = "ftp://e.org/h", entity = "E" }), "applink" },
            { "url with credentials", Import(new { webhook = true, url = "https://u:p@e.org/h", entity = "E" }), "applink" },
            { "no entity and no name", Import(new { webhook = true, url = "https://e.org/h" }), "name" },
            { "blank entity", Import(new { webhook = true, url = "https://e.org/h", entity = "  " }), "name" },
            { "entity too long", Import(new { webhook = true, url = "https://e.org/h", entity = new string('e', 201) }), "name" },
            { "name not a string", Import(good, "\"name\": 1"), "name" },
            { "name empty", Import(good, "\"name\": \"\""), "name" },
            { "secret not whsec_", Import(good, "\"secret\": \"hunter2hunter2\""), "secret" },
            { "secret too short", Import(good, "\"secret\": \"whsec_AAAA\""), "secret" },
            { "unknown field", Import(good, "\"url\": \"https://e.org/h\""), "url" },
            { "unknown field signature", Import(good, "\"signature\": {\"scheme\": \"none\"}"), "signature" },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidImports))]
    public async Task Import_Returns422AtThePath_WhenTheRequestIsInvalid(string @case, string body, string path)
    {
        var org = await Server.NewOrgAsync();

        var problem = await (await org.Client.PostJsonAsync("/v1/applinks/import", body)).ExpectValidationErrorAsync(path);

        Assert.True(problem.At("errors")!.AsObject().Count >= 1, @case);
        Assert.Empty(await org.Client.ListAllAsync("/v1/endpoints"));
    }

    [Fact]
    public async Task Import_SaysPreciselyWhatIsWrongWithTheApplink()
    {
        var org = await Server.NewOrgAsync();
        var link = LinkFor(new { webhook = false, url = "https://e.org/h" });

        var problem = await (await org.Client.PostJsonAsync("/v1/applinks/import", new { applink = link })).ExpectValidationErrorAsync("applink");

        Assert.Equal("does not describe a webhook: \"webhook\" must be true, not false", problem.Str("errors.applink[0]"));
        Assert.Equal("applink does not describe a webhook: \"webhook\" must be true, not false.", problem.Str("detail"));
    }

    [Fact]
    public async Task Import_Returns422AtApplink_WhenTheSsrfGuardRefusesItsUrl()
    {
        await using var guarded = await HeraldTestServer.StartAsync(o => o.AllowPrivateTargets = false);
        var link = LinkFor(new { webhook = true, url = "http://169.254.169.254/latest/meta-data", entity = "metadata" });

        var problem = await (await guarded.Client.PostJsonAsync("/v1/applinks/import", new { applink = link })).ExpectValidationErrorAsync("applink");

        var message = problem.Str("errors.applink[0]");
        Assert.Contains("SSRF", message);
        Assert.Contains("url", message);
        Assert.DoesNotContain(await guarded.Client.ListAllAsync("/v1/endpoints"), e => e.Str("name") == "metadata");
    }

    [Fact]
    public async Task Viewer_MayGetTheApplinkAndItsQrCodes_ButNotImport()
    {
        var org = await Server.NewOrgAsync();
        var id = (await org.Client.CreateEndpointAsync(new { name = Unique("ep"), url = QuietUrl })).Str("id");
        using var viewer = Server.ClientFor((await CreateKeyAsync(org, "viewer")).Str("key"));
        using var publisher = Server.ClientFor((await CreateKeyAsync(org, "publisher")).Str("key"));
        var link = LinkFor(new { webhook = true, url = "https://example.org/hook", entity = Unique("E") });

        await (await viewer.GetAsync($"/v1/endpoints/{id}/applink")).ExpectStatusAsync(HttpStatusCode.OK);
        await (await viewer.GetAsync($"/v1/endpoints/{id}/applink.png")).ExpectStatusAsync(HttpStatusCode.OK);
        await (await viewer.GetAsync($"/v1/endpoints/{id}/applink.svg")).ExpectStatusAsync(HttpStatusCode.OK);
        await (await viewer.PostJsonAsync("/v1/applinks/import", new { applink = link })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await publisher.PostJsonAsync("/v1/applinks/import", new { applink = link })).ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.Single(await org.Client.ListAllAsync("/v1/endpoints"));
    }

    [Theory]
    [InlineData("applink")]
    [InlineData("applink.png")]
    [InlineData("applink.svg")]
    public async Task Applink_Returns404_ForAnotherOrganizationsEndpointOrAnUnknownId(string route)
    {
        var owner = await Server.NewOrgAsync();
        var stranger = await Server.NewOrgAsync();
        var id = (await owner.Client.CreateEndpointAsync(new { name = Unique("private"), url = QuietUrl })).Str("id");

        var foreign = await stranger.Client.GetAsync($"/v1/endpoints/{id}/{route}");
        var unknown = await owner.Client.GetAsync($"/v1/endpoints/ep_01J00000000000000000000000/{route}");

        var problem = await foreign.ExpectProblemAsync(HttpStatusCode.NotFound);
        await unknown.ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(QuietUrl, problem.ToJsonString());
        await (await owner.Client.GetAsync($"/v1/endpoints/{id}/{route}")).ExpectStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Applink_Returns401_WithoutAKey()
    {
        var org = await Server.NewOrgAsync();
        var id = (await org.Client.CreateEndpointAsync(new { name = Unique("ep"), url = QuietUrl })).Str("id");
        using var anonymous = Server.ClientFor(null);

        await (await anonymous.GetAsync($"/v1/endpoints/{id}/applink.png")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    /// <summary>
    /// Reads a non-interlaced, 1-bit greyscale PNG (what QRCoder writes) into a "is this pixel dark" function,
    /// checking each chunk's CRC on the way, so the test sees the image a scanner would.
    /// </summary>
    private static (int Width, int Height, Func<int, int, bool> Dark) ReadBlackAndWhitePng(byte[] png)
    {
        var offset = 8;
        int width = 0, height = 0;
        using var idat = new MemoryStream();
        while (offset < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var type = Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length));
            Assert.Equal(crc, Crc32(png.AsSpan(offset + 4, length + 4)));
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    Assert.Equal(1, data[8]); // bit depth
                    Assert.Equal(0, data[9]); // greyscale
                    Assert.Equal(0, data[12]); // not interlaced
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
            }
            offset += 12 + length;
            if (type == "IEND")
            {
                break;
            }
        }
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }
        var pixels = inflated.ToArray();
        var stride = (width + 7) / 8 + 1;
        Assert.Equal(stride * height, pixels.Length);
        for (var row = 0; row < height; row++)
        {
            Assert.Equal(0, pixels[row * stride]); // filter type None, so bytes are pixels as they are
        }
        return (width, height, (x, y) => (pixels[y * stride + 1 + x / 8] & (0x80 >> (x % 8))) == 0);
    }

    // The CRC of PNG chunks (ISO 3309, reflected polynomial 0xEDB88320).
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }
        return ~crc;
    }
}

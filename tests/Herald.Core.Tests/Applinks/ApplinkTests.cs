using System.Text;
using System.Text.Json.Nodes;
using Herald.Core.Applinks;

namespace Herald.Core.Tests.Applinks;

/// <summary>CyberTracker applinks (docs/applinks.md): what Herald writes, and every form it reads.</summary>
public class ApplinkTests
{
    // The seed's own example link, verbatim.
    private const string SeedLink =
        "https://cybertrackerwiki.org/applink?x=ewogICJ3ZWJob29rIjogdHJ1ZSwKICAidXJsIjogImh0dHBzOi8vbXlzaXRlLmNvbS93ZWJob29rIiwKICAiZW50aXR5IjogIk15IGVudGl0eSIKfQ==";

    private const string SeedJson = "{\n  \"webhook\": true,\n  \"url\": \"https://mysite.com/webhook\",\n  \"entity\": \"My entity\"\n}";

    private static string Base64Of(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json));

    private static string Error(string text)
    {
        Assert.False(Applink.TryDecode(text, out var applink, out var error), $"'{text}' decoded to {applink}");
        Assert.Null(applink);
        Assert.False(string.IsNullOrWhiteSpace(error));
        return error!;
    }

    [Fact]
    public void TryDecode_ReadsTheSeedExample()
    {
        Assert.True(Applink.TryDecodeJson(SeedLink, out var json, out var jsonError), jsonError);
        Assert.Equal(SeedJson, json);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"webhook": true, "url": "https://mysite.com/webhook", "entity": "My entity"}"""), JsonNode.Parse(json!)));

        Assert.True(Applink.TryDecode(SeedLink, out var applink, out var error), error);

        Assert.Equal(new Applink("https://mysite.com/webhook", "My entity"), applink);
    }

    [Fact]
    public void ToJson_IsTheSeedsFieldsInItsOrder_Compact()
    {
        var applink = new Applink("https://mysite.com/webhook", "My entity");

        Assert.Equal("""{"webhook":true,"url":"https://mysite.com/webhook","entity":"My entity"}""", applink.ToJson());
    }

    [Fact]
    public void ToLink_IsTheCyberTrackerUrl_WithStandardPaddedBase64OfTheJson()
    {
        var applink = new Applink("https://mysite.com/webhook", "My entity");

        var link = applink.ToLink();

        Assert.Equal(Applink.BaseUrl + "?x=" + Base64Of(applink.ToJson()), link);
    }

    [Fact]
    public void ToLink_PercentEncodesPlusAndSlash_SoAQueryDecoderCannotTurnPlusIntoASpace()
    {
        // "?>" and "~~~" in the entity put both '+' and '/' into the base64, and this length pads it.
        var applink = new Applink("https://example.org/hook", "?>?>~~~");
        var base64 = Base64Of(applink.ToJson());
        Assert.Contains('+', base64);
        Assert.Contains('/', base64);
        Assert.EndsWith("=", base64);

        var query = applink.ToLink()[(Applink.BaseUrl.Length + "?x=".Length)..];

        Assert.DoesNotContain('+', query);
        Assert.DoesNotContain('/', query);
        Assert.Equal(base64, Uri.UnescapeDataString(query));
        Assert.EndsWith("=", query);
        Assert.True(Applink.TryDecode(applink.ToLink(), out var decoded, out var error), error);
        Assert.Equal(applink, decoded);
    }

    [Theory]
    [InlineData("https://mysite.com/webhook", "My entity")]
    [InlineData("http://10.0.0.5:8080/hooks/herald?token=a&b=c", "Field station")]
    [InlineData("https://example.org/hook", "Réserve du Sahel — équipe 🐘")]
    [InlineData("https://example.org/hook", "野生动物监测")]
    [InlineData("https://example.org/hook", "quote \" backslash \\ tab \t newline \n")]
    [InlineData("https://example.org/hook", "")]
    public void EncodeThenDecode_RoundTrips(string url, string entity)
    {
        var applink = new Applink(url, entity);

        Assert.True(Applink.TryDecode(applink.ToLink(), out var decoded, out var error), error);

        Assert.Equal(applink, decoded);
    }

    [Fact]
    public void ToJson_KeepsUnicodeEntitiesAsUtf8_NotEscapes()
    {
        var applink = new Applink("https://example.org/hook", "Réserve du Sahel, 野生动物");

        Assert.Contains("Réserve du Sahel, 野生动物", applink.ToJson());
        Assert.True(Applink.TryDecodeJson(applink.ToLink(), out var json, out _));
        Assert.Equal(applink.ToJson(), json);
    }

    public static TheoryData<string, string> AcceptedForms()
    {
        var json = """{"webhook":true,"url":"https://example.org/hook?a=1","entity":"a?>b~~~c"}""";
        var standard = Base64Of(json);
        Assert.Contains('+', standard);
        Assert.Contains('/', standard);
        Assert.EndsWith("=", standard);
        var urlSafe = standard.Replace('+', '-').Replace('/', '_');
        return new TheoryData<string, string>
        {
            { "standard, raw in the query", Applink.BaseUrl + "?x=" + standard },
            { "standard, percent-encoded", Applink.BaseUrl + "?x=" + Uri.EscapeDataString(standard) },
            { "standard, unpadded", Applink.BaseUrl + "?x=" + standard.TrimEnd('=') },
            { "URL-safe, padded", Applink.BaseUrl + "?x=" + urlSafe },
            { "URL-safe, unpadded", Applink.BaseUrl + "?x=" + urlSafe.TrimEnd('=') },
            { "'+' turned into a space by a form decoder", Applink.BaseUrl + "?x=" + standard.Replace('+', ' ') },
            { "another host, x among other parameters", "http://example.net/open?lang=en&x=" + standard + "&v=2#top" },
            { "bare standard base64", standard },
            { "bare URL-safe unpadded base64", urlSafe.TrimEnd('=') },
            { "bare percent-encoded base64", Uri.EscapeDataString(standard) },
            { "surrounded by whitespace", "  " + Applink.BaseUrl + "?x=" + standard + "\n" },
        };
    }

    [Theory]
    [MemberData(nameof(AcceptedForms))]
    public void TryDecode_AcceptsEveryCommonEncoding(string form, string text)
    {
        Assert.True(Applink.TryDecode(text, out var applink, out var error), $"{form}: {error}");

        Assert.Equal(new Applink("https://example.org/hook?a=1", "a?>b~~~c"), applink);
    }

    [Fact]
    public void TryDecode_IgnoresFieldsOfOtherApplinkSettings_AndAllowsNoEntity()
    {
        var text = Base64Of("""{"webhook": true, "url": "https://example.org/hook", "language": "fr"}""");

        Assert.True(Applink.TryDecode(text, out var applink, out var error), error);

        Assert.Equal(new Applink("https://example.org/hook", null), applink);
    }

    [Fact]
    public void TryDecode_ReadsAByteOrderMarkedPayload()
    {
        var text = Convert.ToBase64String([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("""{"webhook":true,"url":"https://e.org/h"}""")]);

        Assert.True(Applink.TryDecode(text, out var applink, out var error), error);
        Assert.Equal("https://e.org/h", applink!.Url);
    }

    public static TheoryData<string, string, string> Malformed() => new()
    {
        // case, applink text, a fragment the error must contain
        { "empty", "", "empty" },
        { "only whitespace", "   ", "empty" },
        { "not a URL nor base64", "open the app please", "neither a URL nor a base64" },
        { "not a URL nor base64, no spaces", "<applink>", "neither a URL nor a base64" },
        { "not a valid URL", "https://exa mple.org:x/applink?x=e30=", "not a valid URL" },
        { "not http(s)", "ftp://cybertrackerwiki.org/applink?x=e30=", "http or https" },
        { "custom scheme", "cybertracker://applink?x=e30=", "http or https" },
        { "no query", "https://cybertrackerwiki.org/applink", "no x parameter" },
        { "no x in the query", "https://cybertrackerwiki.org/applink?y=e30=", "no x parameter" },
        { "x only in the fragment", "https://cybertrackerwiki.org/applink#x=e30=", "no x parameter" },
        { "empty x", "https://cybertrackerwiki.org/applink?x=", "empty x" },
        { "x without a value", "https://cybertrackerwiki.org/applink?x", "empty x" },
        { "two x", "https://cybertrackerwiki.org/applink?x=e30=&x=e30=", "more than one x" },
        { "base64 with a bad character", Applink.BaseUrl + "?x=ewog*ICJ3", "not valid base64" },
        { "base64 of impossible length", Applink.BaseUrl + "?x=ewogI", "not valid base64" },
        { "padding in the middle", Applink.BaseUrl + "?x=ew==ogICJ3", "not valid base64" },
        { "too much padding", Applink.BaseUrl + "?x=ewo===", "not valid base64" },
        { "only padding", Applink.BaseUrl + "?x=====", "not valid base64" },
        { "broken percent escape", Applink.BaseUrl + "?x=ewog%ZZ", "not valid base64" },
        { "not UTF-8", Applink.BaseUrl + "?x=" + Convert.ToBase64String([0xC3, 0x28, 0xFF]), "UTF-8" },
        { "not JSON", Base64Of("webhook=true url=https://e.org"), "not JSON" },
        { "truncated JSON", Base64Of("""{"webhook": true, "url": "https://e.org/h" """), "not JSON" },
        { "JSON with a comment", Base64Of("""{"webhook": true, /* c */ "url": "https://e.org/h"}"""), "not JSON" },
        { "JSON with a duplicate field", Base64Of("""{"webhook": true, "url": "https://a.org/h", "url": "https://b.org/h"}"""), "not JSON" },
        { "JSON array", Base64Of("""[{"webhook": true, "url": "https://e.org/h"}]"""), "an array, not an object" },
        { "JSON string", Base64Of("\"https://e.org/h\""), "a string, not an object" },
        { "no webhook field", Base64Of("""{"url": "https://e.org/h", "entity": "E"}"""), "\"webhook\": true" },
        { "webhook false", Base64Of("""{"webhook": false, "url": "https://e.org/h"}"""), "must be true, not false" },
        { "webhook as a string", Base64Of("""{"webhook": "true", "url": "https://e.org/h"}"""), "must be true, not \"true\"" },
        { "webhook 1", Base64Of("""{"webhook": 1, "url": "https://e.org/h"}"""), "must be true, not 1" },
        { "missing url", Base64Of("""{"webhook": true, "entity": "E"}"""), "no \"url\"" },
        { "url null", Base64Of("""{"webhook": true, "url": null}"""), "url is null" },
        { "url a number", Base64Of("""{"webhook": true, "url": 42}"""), "url is a number" },
        { "url empty", Base64Of("""{"webhook": true, "url": ""}"""), "empty url" },
        { "entity an object", Base64Of("""{"webhook": true, "url": "https://e.org/h", "entity": {"name": "E"}}"""), "entity is an object" },
        { "too long", new string('A', Applink.MaxLength + 4), "at most" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryDecode_RefusesMalformedApplinks_WithAPreciseReason(string @case, string text, string fragment)
    {
        var error = Error(text);

        Assert.True(error.Contains(fragment, StringComparison.Ordinal), $"{@case}: expected '{fragment}' in \"{error}\"");
    }
}

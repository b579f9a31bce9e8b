using System.Security.Cryptography;
using System.Text;
using Herald.Core.Signing;

namespace Herald.Core.Tests;

public class UshahidiSignatureTests
{
    [Fact]
    public void Sign_IsHmacOfUrlThenBody_KeyedByTheSecretsUtf8()
    {
        // Computed independently: printf '%s' "$url$body" | openssl dgst -sha256 -hmac "$secret" -binary | base64
        var signature = UshahidiSignature.Sign(
            "my-ushahidi-secret", "https://example.org/hooks/herald", """{"id":1,"title":"Flood"}"""u8);

        Assert.Equal("z09yDLViz9T7cyXKn/dy7jbbHzQW5PbWaioC457Gob4=", signature);
    }

    [Fact]
    public void Sign_DependsOnTheExactUrl()
    {
        var body = """{"id":1}"""u8.ToArray();

        Assert.NotEqual(
            UshahidiSignature.Sign("s", "https://example.org/hook", body),
            UshahidiSignature.Sign("s", "https://example.org/hook/", body));
    }

    [Fact]
    public void Sign_LongSecretAndLargeBody_MatchAPlainHmac()
    {
        var secret = string.Concat(Enumerable.Repeat("ключ-", 100));
        const string url = "https://example.org/ü";
        var body = RandomNumberGenerator.GetBytes(100_000);

        var expected = Convert.ToBase64String(HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(url).Concat(body).ToArray()));

        Assert.Equal(expected, UshahidiSignature.Sign(secret, url, body));
    }

    [Fact]
    public void NewSecret_Is32UrlSafeCharacters()
    {
        var secret = UshahidiSignature.NewSecret();

        Assert.Equal(32, secret.Length);
        Assert.All(secret, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
        Assert.NotEqual(secret, UshahidiSignature.NewSecret());
    }
}

using System.Security.Cryptography;
using System.Text;

namespace Herald.Webhooks.Tests;

/// <summary>The Ushahidi scheme: base64(HMAC-SHA256(secret, url + body)) (docs/signatures.md).</summary>
public sealed class UshahidiVerifierTests
{
    private const string Secret = "ushahidi-shared-secret";
    private const string Url = "https://receiver.example/hooks/ushahidi?x=1";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":42,"title":"Flood"}""");

    // Computed independently of the class under test, straight from the documented formula.
    private static string Expected(string secret, string url, byte[] body) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(url).Concat(body).ToArray()));

    [Fact]
    public void Verify_AcceptsTheDocumentedSignature()
    {
        var result = new UshahidiVerifier(Secret).Verify(Url, Expected(Secret, Url, Body), Body);

        Assert.True(result.IsValid, result.Reason);
    }

    [Fact]
    public void Sign_MatchesTheDocumentedFormula()
    {
        Assert.Equal(Expected(Secret, Url, Body), new UshahidiVerifier(Secret).Sign(Url, Body));
    }

    [Fact]
    public void Verify_Rejects_AnotherUrl()
    {
        var result = new UshahidiVerifier(Secret).Verify(Url + "&y=2", Expected(Secret, Url, Body), Body);

        Assert.False(result.IsValid);
        Assert.Contains("does not match", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_Rejects_ATamperedBody_AndTheWrongSecret()
    {
        var signature = Expected(Secret, Url, Body);

        Assert.False(new UshahidiVerifier(Secret).Verify(Url, signature, [.. Body, (byte)' ']).IsValid);
        Assert.False(new UshahidiVerifier("other").Verify(Url, signature, Body).IsValid);
    }

    [Theory]
    [InlineData(null, "missing X-Ushahidi-Signature header")]
    [InlineData("not base64!", "the signature is not a base64 HMAC-SHA256")]
    [InlineData("AAAA", "the signature is not a base64 HMAC-SHA256")]
    public void Verify_SaysWhatIsWrongWithTheHeader(string? signature, string reason)
    {
        Assert.Equal(reason, new UshahidiVerifier(Secret).Verify(Url, signature, Body).Reason);
    }
}

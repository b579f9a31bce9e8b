using System.Text;

namespace Herald.Tests.InfrastructureTests;

public class IndependentVerifierTests
{
    // The known answer published with the Standard Webhooks reference libraries.
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private const string Expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"test": 2432232314}""");
    private static readonly DateTimeOffset Then = DateTimeOffset.FromUnixTimeSeconds(Timestamp);

    private static Dictionary<string, string> Headers(string signature, long timestamp = Timestamp) => new()
    {
        ["webhook-id"] = Id,
        ["webhook-timestamp"] = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["webhook-signature"] = signature,
    };

    [Fact]
    public void Sign_MatchesTheSpecKnownAnswer()
    {
        Assert.Equal(Expected, IndependentVerifier.Sign(Secret, Id, Timestamp, Body));
    }

    [Fact]
    public void Verify_AcceptsTheSpecKnownAnswer()
    {
        Assert.True(IndependentVerifier.Verify(Secret, Headers(Expected), Body, Then, out var reason), reason);
        Assert.Equal("", reason);
    }

    [Fact]
    public void Verify_AcceptsWhenAnyOneOfSeveralSignaturesMatches()
    {
        var header = $"v1,bm90IGl0 v1a,c29tZXRoaW5nIGVsc2U= {Expected}";

        Assert.True(IndependentVerifier.Verify(Secret, Headers(header), Body, Then, out var reason), reason);
    }

    [Fact]
    public void Verify_FindsHeadersWhateverTheirCase()
    {
        var headers = new Dictionary<string, string>
        {
            ["Webhook-Id"] = Id,
            ["WEBHOOK-TIMESTAMP"] = "1614265330",
            ["Webhook-Signature"] = Expected,
        };

        Assert.True(IndependentVerifier.Verify(Secret, headers, Body, Then, out var reason), reason);
    }

    [Fact]
    public void Verify_AcceptsAtTheToleranceEdges_AndRefusesBeyond()
    {
        Assert.True(IndependentVerifier.Verify(Secret, Headers(Expected), Body, Then.AddMinutes(5), out _));
        Assert.True(IndependentVerifier.Verify(Secret, Headers(Expected), Body, Then.AddMinutes(-5), out _));
        Assert.False(IndependentVerifier.Verify(Secret, Headers(Expected), Body, Then.AddMinutes(5).AddSeconds(1), out _));
        Assert.True(IndependentVerifier.Verify(Secret, Headers(Expected), Body, Then.AddHours(1), out _, tolerance: TimeSpan.FromHours(2)));
    }

    [Fact]
    public void Verify_RefusesTamperedBodyWrongSecretAndStaleTimestamp_WithDistinctReasons()
    {
        var tampered = Encoding.UTF8.GetBytes("""{"test": 2432232315}""");
        var otherSecret = "whsec_" + Convert.ToBase64String(Encoding.UTF8.GetBytes("another secret of 24 bytes"));

        Assert.False(IndependentVerifier.Verify(Secret, Headers(Expected), tampered, Then, out var bodyReason));
        Assert.False(IndependentVerifier.Verify(otherSecret, Headers(Expected), Body, Then, out var secretReason));
        Assert.False(IndependentVerifier.Verify(Secret, Headers(Expected), Body, Then.AddMinutes(10), out var staleReason));
        Assert.False(IndependentVerifier.Verify(Secret, Headers(Expected), Body, Then.AddMinutes(-10), out var futureReason));

        // A body change and a key change are indistinguishable by HMAC; both say no signature matched,
        // each with the signature it expected.
        Assert.StartsWith("no v1 signature matched", bodyReason, StringComparison.Ordinal);
        Assert.StartsWith("no v1 signature matched", secretReason, StringComparison.Ordinal);
        Assert.Contains("too old", staleReason, StringComparison.Ordinal);
        Assert.Contains("too new", futureReason, StringComparison.Ordinal);
        Assert.Equal(4, new[] { bodyReason, secretReason, staleReason, futureReason }.Distinct().Count());
    }

    [Theory]
    [InlineData("webhook-id", "missing webhook-id header")]
    [InlineData("webhook-timestamp", "missing webhook-timestamp header")]
    [InlineData("webhook-signature", "missing webhook-signature header")]
    public void Verify_NamesTheMissingHeader(string missing, string expectedReason)
    {
        var headers = Headers(Expected);
        headers.Remove(missing);

        Assert.False(IndependentVerifier.Verify(Secret, headers, Body, Then, out var reason));
        Assert.Equal(expectedReason, reason);
    }

    [Fact]
    public void Verify_RefusesMalformedInput_WithItsOwnReasons()
    {
        Assert.False(IndependentVerifier.Verify("whsec_not*base64", Headers(Expected), Body, Then, out var secretReason));
        Assert.Contains("secret is not base64", secretReason, StringComparison.Ordinal);

        var headers = Headers(Expected);
        headers["webhook-timestamp"] = "1614265330.5";
        Assert.False(IndependentVerifier.Verify(Secret, headers, Body, Then, out var timestampReason));
        Assert.Contains("not whole Unix seconds", timestampReason, StringComparison.Ordinal);

        Assert.False(IndependentVerifier.Verify(Secret, Headers("v2,abc"), Body, Then, out var versionReason));
        Assert.Contains("no v1 entry", versionReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Ushahidi_SignsUrlThenBody_KeyedByTheSecretText()
    {
        // Computed independently with Python's hmac module.
        const string url = "https://example.org/hooks/u?x=1";
        var body = Encoding.UTF8.GetBytes("""{"id":1,"title":"t"}""");
        const string expected = "THX9+QlX/pD7l+FInA2wTLvOXapy1tkOgdevtLtzOqg=";

        Assert.Equal(expected, IndependentVerifier.UshahidiSignature("free text secret", url, body));
        Assert.True(IndependentVerifier.VerifyUshahidi("free text secret", url, body, expected, out var reason), reason);
        Assert.False(IndependentVerifier.VerifyUshahidi("free text secret", url + "&y=2", body, expected, out var urlReason));
        Assert.Contains("did not match", urlReason, StringComparison.Ordinal);
        Assert.False(IndependentVerifier.VerifyUshahidi("free text secret", url, body, null, out var missingReason));
        Assert.Contains("missing", missingReason, StringComparison.Ordinal);
    }
}

using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Webhooks.Tests;

/// <summary>The Standard Webhooks scheme against the specification's known answer (docs/signatures.md).</summary>
public sealed class StandardWebhooksVerifierTests
{
    // The Standard Webhooks specification's test vector.
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const string Timestamp = "1614265330";
    private const string Signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"test": 2432232314}""");
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1614265330);

    private static StandardWebhooksVerifier Verifier(DateTimeOffset now, string secret = Secret) => new(secret, time: new FakeTimeProvider(now));

    [Fact]
    public void Verify_AcceptsTheSpecificationsKnownAnswer()
    {
        var result = Verifier(At).Verify(Id, Timestamp, Signature, Body);

        Assert.True(result.IsValid, result.Reason);
        Assert.Null(result.Reason);
    }

    [Fact]
    public void Sign_ProducesTheSpecificationsKnownAnswer()
    {
        Assert.Equal(Signature, Verifier(At).Sign(Id, At, Body));
    }

    [Fact]
    public void Verify_ReadsTheHeaders_CaseInsensitively()
    {
        var headers = new Dictionary<string, string>
        {
            ["Webhook-Id"] = Id,
            ["WEBHOOK-TIMESTAMP"] = Timestamp,
            ["webhook-signature"] = Signature,
        };

        Assert.True(Verifier(At).Verify(headers, Body).IsValid);
    }

    [Fact]
    public void Verify_Rejects_ATamperedBody()
    {
        var result = Verifier(At).Verify(Id, Timestamp, Signature, Encoding.UTF8.GetBytes("""{"test": 2432232315}"""));

        Assert.False(result.IsValid);
        Assert.Equal("no signature matches", result.Reason);
    }

    [Fact]
    public void Verify_Rejects_AnotherId()
    {
        Assert.False(Verifier(At).Verify("msg_other", Timestamp, Signature, Body).IsValid);
    }

    [Fact]
    public void Verify_Rejects_TheWrongSecret()
    {
        var result = Verifier(At, "whsec_" + Convert.ToBase64String(new byte[24])).Verify(Id, Timestamp, Signature, Body);

        Assert.False(result.IsValid);
        Assert.Equal("no signature matches", result.Reason);
    }

    [Theory]
    [InlineData(301, "timestamp too old")]
    [InlineData(-301, "timestamp too far in the future")]
    public void Verify_Rejects_ATimestampOutsideTheTolerance_EitherWay(int secondsLater, string reason)
    {
        var result = Verifier(At.AddSeconds(secondsLater)).Verify(Id, Timestamp, Signature, Body);

        Assert.False(result.IsValid);
        Assert.StartsWith(reason, result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(300)]
    [InlineData(-300)]
    public void Verify_Accepts_ATimestampAtTheEdgeOfTheTolerance(int secondsLater)
    {
        Assert.True(Verifier(At.AddSeconds(secondsLater)).Verify(Id, Timestamp, Signature, Body).IsValid);
    }

    [Fact]
    public void Verify_HonoursACustomTolerance()
    {
        var verifier = new StandardWebhooksVerifier(Secret, TimeSpan.FromSeconds(10), new FakeTimeProvider(At.AddSeconds(11)));

        Assert.False(verifier.Verify(Id, Timestamp, Signature, Body).IsValid);
    }

    [Theory]
    [InlineData("v1,bm90IHRoZSBzaWduYXR1cmUgYXQgYWxsLCBubyBubyBubw== " + Signature)]
    [InlineData(Signature + " v1,bm90IHRoZSBzaWduYXR1cmUgYXQgYWxsLCBubyBubyBubw==")]
    [InlineData("v1a,abc " + Signature)]
    [InlineData("v2,zzz  " + Signature)]
    public void Verify_AcceptsWhenAnyOfSeveralSignaturesMatches(string header)
    {
        Assert.True(Verifier(At).Verify(Id, Timestamp, header, Body).IsValid);
    }

    [Fact]
    public void Verify_RejectsWhenNoneOfSeveralSignaturesMatches()
    {
        var result = Verifier(At).Verify(Id, Timestamp, "v1,AAAA v1,bm90IHRoZSBzaWduYXR1cmUgYXQgYWxsLCBubyBubyBubw==", Body);

        Assert.False(result.IsValid);
    }

    [Fact]
    public void Verify_Rejects_ASignatureWithoutV1()
    {
        var result = Verifier(At).Verify(Id, Timestamp, "v2," + Signature[3..], Body);

        Assert.False(result.IsValid);
        Assert.Equal("no v1 signature in webhook-signature", result.Reason);
    }

    [Theory]
    [InlineData(null, Timestamp, Signature, "missing webhook-id header")]
    [InlineData(Id, null, Signature, "missing webhook-timestamp header")]
    [InlineData(Id, Timestamp, "", "missing webhook-signature header")]
    [InlineData(Id, "yesterday", Signature, "webhook-timestamp is not a Unix time in seconds")]
    public void Verify_SaysWhatIsMissingOrMalformed(string? id, string? timestamp, string signature, string reason)
    {
        var result = Verifier(At).Verify(id, timestamp, signature, Body);

        Assert.False(result.IsValid);
        Assert.Equal(reason, result.Reason);
    }

    [Fact]
    public void Constructor_Rejects_ASecretThatIsNotBase64()
    {
        Assert.Throws<ArgumentException>(() => new StandardWebhooksVerifier("whsec_not base64!"));
    }
}

using System.Security.Cryptography;
using System.Text;
using Herald.Core.Signing;

namespace Herald.Core.Tests;

public class StandardWebhooksTests
{
    // The Standard Webhooks specification's reference vector.
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string MsgId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private static readonly byte[] Body = """{"test": 2432232314}"""u8.ToArray();
    private const string Expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static byte[] Key()
    {
        Assert.True(StandardWebhooks.TryParseSecret(Secret, out var key, out var error), error);
        return key;
    }

    [Fact]
    public void Sign_MatchesStandardWebhooksKnownAnswer()
    {
        Assert.Equal(Expected, StandardWebhooks.Sign(Key(), MsgId, Timestamp, Body));
    }

    [Fact]
    public void Sign_LargeBody_MatchesAPlainHmac()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var body = RandomNumberGenerator.GetBytes(1024 * 1024);
        var content = Encoding.UTF8.GetBytes($"dlv_1.42.").Concat(body).ToArray();

        var signature = StandardWebhooks.Sign(key, "dlv_1", 42, body);

        Assert.Equal("v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content)), signature);
    }

    [Fact]
    public void Sign_EmptyBody_SignsIdAndTimestampOnly()
    {
        var key = RandomNumberGenerator.GetBytes(32);

        var signature = StandardWebhooks.Sign(key, "dlv_1", 0, []);

        Assert.Equal("v1," + Convert.ToBase64String(HMACSHA256.HashData(key, "dlv_1.0."u8)), signature);
    }

    [Fact]
    public void SignatureHeader_WithOneKey_IsTheSingleSignature()
    {
        Assert.Equal(Expected, StandardWebhooks.SignatureHeader([Key()], MsgId, Timestamp, Body));
    }

    [Fact]
    public void SignatureHeader_DuringRotation_SendsBothSignaturesSpaceSeparated()
    {
        var newKey = Enumerable.Repeat((byte)1, 32).ToArray();

        var header = StandardWebhooks.SignatureHeader([newKey, Key()], MsgId, Timestamp, Body);

        // Second value computed independently with Python's hmac module.
        Assert.Equal("v1,d8asl+kiM8rGYv5f96CWaB7DltT12R+GlcKk/tAeKa8= " + Expected, header);
    }

    [Fact]
    public void SignatureHeader_Throws_WithoutKeys()
    {
        Assert.Throws<ArgumentException>(() => StandardWebhooks.SignatureHeader([], MsgId, Timestamp, Body));
    }

    [Fact]
    public void Verify_AcceptsTheKnownAnswer_AmongOtherEntries()
    {
        Assert.True(StandardWebhooks.Verify(Expected, Key(), MsgId, Timestamp, Body));
        Assert.True(StandardWebhooks.Verify("v1,bm90IGl0 v2,xyz " + Expected, Key(), MsgId, Timestamp, Body));
    }

    [Fact]
    public void Verify_RefusesAChangedBodyIdOrTimestamp()
    {
        Assert.False(StandardWebhooks.Verify(Expected, Key(), MsgId, Timestamp, """{"test": 2432232315}"""u8));
        Assert.False(StandardWebhooks.Verify(Expected, Key(), "msg_other", Timestamp, Body));
        Assert.False(StandardWebhooks.Verify(Expected, Key(), MsgId, Timestamp + 1, Body));
        Assert.False(StandardWebhooks.Verify(null, Key(), MsgId, Timestamp, Body));
        Assert.False(StandardWebhooks.Verify("", Key(), MsgId, Timestamp, Body));
    }

    [Fact]
    public void TryParseSecret_DecodesTheKeyBytes()
    {
        Assert.Equal(Convert.FromBase64String("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), Key());
    }

    [Theory]
    [InlineData(24)]
    [InlineData(32)]
    [InlineData(64)]
    public void TryParseSecret_AcceptsKeysOf24To64Bytes(int length)
    {
        var secret = "whsec_" + Convert.ToBase64String(new byte[length]);

        Assert.True(StandardWebhooks.TryParseSecret(secret, out var key, out var error));
        Assert.Equal(length, key.Length);
        Assert.Null(error);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_")]
    [InlineData("WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_")]
    [InlineData("whsec_", "base64")]
    [InlineData("whsec_not base64 at all!", "base64")]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "base64")] // not a multiple of 4
    [InlineData("whsec_MfKQ9r8GKYqr TwjUPD8ILPZIo2LaLaSw", "base64")]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", "base64")]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-_", "base64")] // URL-safe alphabet
    [InlineData("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "23")]
    public void TryParseSecret_RefusesWithAClearError(string? secret, string errorContains)
    {
        Assert.False(StandardWebhooks.TryParseSecret(secret, out var key, out var error));
        Assert.Empty(key);
        Assert.Contains(errorContains, error);
    }

    [Fact]
    public void TryParseSecret_RefusesKeysLongerThan64Bytes()
    {
        var secret = "whsec_" + Convert.ToBase64String(new byte[65]);

        Assert.False(StandardWebhooks.TryParseSecret(secret, out _, out var error));
        Assert.Contains("65", error);
    }

    [Fact]
    public void NewSecret_Is32RandomBytesThatParse()
    {
        var secret = StandardWebhooks.NewSecret();

        Assert.StartsWith("whsec_", secret);
        Assert.True(StandardWebhooks.TryParseSecret(secret, out var key, out _));
        Assert.Equal(32, key.Length);
        Assert.NotEqual(secret, StandardWebhooks.NewSecret());
    }
}

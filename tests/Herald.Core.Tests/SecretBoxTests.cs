using System.Text;
using Herald.Core.Security;

namespace Herald.Core.Tests;

public class SecretBoxTests
{
    private readonly SecretBox _box = new(SecretBox.NewKey());

    [Fact]
    public void Seal_ThenTryOpen_ReturnsThePlaintext()
    {
        var plaintext = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"u8.ToArray();

        var sealedBytes = _box.Seal(plaintext);

        Assert.True(_box.TryOpen(sealedBytes, out var opened));
        Assert.Equal(plaintext, opened);
    }

    [Fact]
    public void Seal_Layout_IsVersionNonceCiphertextTag()
    {
        var sealedBytes = _box.Seal(new byte[10]);

        Assert.Equal(1 + 12 + 10 + 16, sealedBytes.Length);
        Assert.Equal(1, sealedBytes[0]);
    }

    [Fact]
    public void Seal_EmptyPlaintext_RoundTrips()
    {
        Assert.True(_box.TryOpen(_box.Seal([]), out var opened));
        Assert.Empty(opened);
    }

    [Fact]
    public void Seal_TheSamePlaintextTwice_GivesDifferentCiphertexts()
    {
        var plaintext = "password"u8.ToArray();

        Assert.NotEqual(_box.Seal(plaintext), _box.Seal(plaintext));
    }

    [Fact]
    public void TryOpen_DetectsATamperedByteAnywhere()
    {
        var sealedBytes = _box.Seal("s3cr3t value"u8);

        for (var i = 0; i < sealedBytes.Length; i++)
        {
            var tampered = (byte[])sealedBytes.Clone();
            tampered[i] ^= 0x01;
            Assert.False(_box.TryOpen(tampered, out var opened), $"tampering byte {i} went unnoticed");
            Assert.Empty(opened);
        }
    }

    [Fact]
    public void TryOpen_Fails_UnderAnotherKey()
    {
        var sealedBytes = _box.Seal("s3cr3t"u8);

        Assert.False(new SecretBox(SecretBox.NewKey()).TryOpen(sealedBytes, out _));
    }

    [Fact]
    public void TryOpen_Fails_OnTruncatedOrEmptyInput()
    {
        var sealedBytes = _box.Seal("s3cr3t"u8);

        Assert.False(_box.TryOpen([], out _));
        Assert.False(_box.TryOpen(sealedBytes.AsSpan(0, 28), out _));
        Assert.False(_box.TryOpen(sealedBytes.AsSpan(0, sealedBytes.Length - 1), out _));
    }

    [Fact]
    public void SealString_ThenTryOpenString_RoundTripsUnicode()
    {
        const string secret = "pässwörd ✓ 🔑";

        var sealedText = _box.SealString(secret);

        Assert.True(_box.TryOpenString(sealedText, out var opened));
        Assert.Equal(secret, opened);
        Assert.DoesNotContain(secret, Encoding.UTF8.GetString(Convert.FromBase64String(sealedText)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public void TryOpenString_Fails_OnGarbage(string sealedText)
    {
        Assert.False(_box.TryOpenString(sealedText, out var opened));
        Assert.Equal("", opened);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    public void Constructor_Throws_UnlessTheKeyIs32Bytes(int length)
    {
        Assert.Throws<ArgumentException>(() => new SecretBox(new byte[length]));
    }

    [Fact]
    public void Constructor_CopiesTheKey()
    {
        var key = SecretBox.NewKey();
        var box = new SecretBox(key);
        var sealedBytes = box.Seal("s3cr3t"u8);

        Array.Clear(key);

        Assert.True(box.TryOpen(sealedBytes, out _));
    }

    [Fact]
    public void NewKey_Is32RandomBytes()
    {
        Assert.Equal(32, SecretBox.NewKey().Length);
        Assert.NotEqual(SecretBox.NewKey(), SecretBox.NewKey());
    }

    [Fact]
    public void TryParseKey_AcceptsBase64OfExactly32Bytes_IgnoringATrailingNewline()
    {
        var key = SecretBox.NewKey();

        Assert.True(SecretBox.TryParseKey(Convert.ToBase64String(key), out var parsed));
        Assert.Equal(key, parsed);
        Assert.True(SecretBox.TryParseKey(Convert.ToBase64String(key) + "\n", out parsed));
        Assert.Equal(key, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not base64!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")] // 31 bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")] // 34 bytes
    public void TryParseKey_RefusesAnythingElse(string text)
    {
        Assert.False(SecretBox.TryParseKey(text, out var key));
        Assert.Empty(key);
    }

    [Fact]
    public void TryParseKey_Refuses33Bytes()
    {
        Assert.False(SecretBox.TryParseKey(Convert.ToBase64String(new byte[33]), out _));
    }
}

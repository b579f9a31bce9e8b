using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;

namespace Herald.Core.Signing;

/// <summary>
/// The Standard Webhooks signature scheme (https://www.standardwebhooks.com): secrets are
/// <c>whsec_</c> plus base64 key bytes, and <c>webhook-signature</c> carries
/// <c>v1,</c> + base64 HMAC-SHA256 of <c>"{webhook-id}.{webhook-timestamp}.{body}"</c>.
/// </summary>
/// <remarks>
/// Herald's face of the scheme: which secrets it accepts and issues. The signature rule itself is
/// <see cref="StandardWebhooksHmac"/>, which Herald.Webhooks shares.
/// </remarks>
public static class StandardWebhooks
{
    /// <summary>The prefix of every secret of this scheme.</summary>
    public const string SecretPrefix = StandardWebhooksHmac.SecretPrefix;

    /// <summary>Smallest accepted key, in bytes.</summary>
    public const int MinKeyBytes = 24;

    /// <summary>Largest accepted key, in bytes.</summary>
    public const int MaxKeyBytes = 64;

    // The longest long, with its sign.
    private const int TimestampChars = 20;

    /// <summary>
    /// Decodes a <c>whsec_</c> secret into its HMAC key; false, with a message fit for a 422, when
    /// it is not <c>whsec_</c> plus standard (padded) base64 of 24 to 64 bytes.
    /// </summary>
    public static bool TryParseSecret(string? secret, out byte[] key, out string? error)
    {
        key = [];
        if (string.IsNullOrEmpty(secret))
        {
            error = "the secret must not be empty";
            return false;
        }

        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            error = $"the secret must start with \"{SecretPrefix}\"";
            return false;
        }

        var encoded = secret.AsSpan(SecretPrefix.Length);
        // Base64.IsValid and Convert tolerate whitespace; inside a secret it means a bad paste.
        if (encoded.IsEmpty || encoded.ContainsAny(" \t\r\n") || !Base64.IsValid(encoded)
            || !StandardWebhooksHmac.TryDecodeSecret(secret, out var decoded))
        {
            error = $"the secret must be \"{SecretPrefix}\" followed by standard base64";
            return false;
        }

        if (decoded.Length is < MinKeyBytes or > MaxKeyBytes)
        {
            error = $"the secret's key must be {MinKeyBytes} to {MaxKeyBytes} bytes (it is {decoded.Length})";
            return false;
        }

        key = decoded;
        error = null;
        return true;
    }

    /// <summary>A new secret: <c>whsec_</c> and base64 of 32 random bytes.</summary>
    public static string NewSecret()
    {
        Span<byte> key = stackalloc byte[32];
        RandomNumberGenerator.Fill(key);
        var secret = SecretPrefix + Convert.ToBase64String(key);
        CryptographicOperations.ZeroMemory(key);
        return secret;
    }

    /// <summary>One signature, <c>v1,</c> + base64 HMAC-SHA256 of <c>"{msgId}.{timestamp}.{body}"</c>.</summary>
    public static string Sign(ReadOnlySpan<byte> key, string msgId, long timestamp, ReadOnlySpan<byte> body) =>
        SignatureHeader([key.ToArray()], msgId, timestamp, body);

    /// <summary>
    /// The <c>webhook-signature</c> header value: one space-separated <c>v1,…</c> entry per key,
    /// so that during a secret rotation receivers holding either secret can verify.
    /// </summary>
    /// <exception cref="ArgumentException">No keys were given.</exception>
    public static string SignatureHeader(IEnumerable<byte[]> keys, string msgId, long timestamp, ReadOnlySpan<byte> body)
    {
        Span<char> digits = stackalloc char[TimestampChars];
        timestamp.TryFormat(digits, out var length, default, CultureInfo.InvariantCulture);
        return StandardWebhooksHmac.SignatureHeader(keys, msgId, digits[..length], body);
    }

    /// <summary>
    /// True when any <c>v1</c> entry of a received <c>webhook-signature</c> header matches the
    /// payload under <paramref name="key"/> (compared in constant time). Checking that the
    /// timestamp is recent, against replays, is left to the caller.
    /// </summary>
    public static bool Verify(string? signatureHeader, ReadOnlySpan<byte> key, string msgId, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(msgId);
        if (string.IsNullOrWhiteSpace(signatureHeader))
            return false;

        Span<char> digits = stackalloc char[TimestampChars];
        timestamp.TryFormat(digits, out var length, default, CultureInfo.InvariantCulture);
        return StandardWebhooksHmac.Verify(signatureHeader, key, msgId, digits[..length], body) == StandardWebhooksHmac.HeaderMatch.Match;
    }
}

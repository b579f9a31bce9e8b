using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Core.Signing;

/// <summary>
/// The Standard Webhooks signature scheme (https://www.standardwebhooks.com): secrets are
/// <c>whsec_</c> plus base64 key bytes, and <c>webhook-signature</c> carries
/// <c>v1,</c> + base64 HMAC-SHA256 of <c>"{webhook-id}.{webhook-timestamp}.{body}"</c>.
/// </summary>
/// <remarks>Signing runs once per attempt, so it avoids intermediate allocations.</remarks>
public static class StandardWebhooks
{
    /// <summary>The prefix of every secret of this scheme.</summary>
    public const string SecretPrefix = "whsec_";

    /// <summary>Smallest accepted key, in bytes.</summary>
    public const int MinKeyBytes = 24;

    /// <summary>Largest accepted key, in bytes.</summary>
    public const int MaxKeyBytes = 64;

    private const string VersionPrefix = "v1,";
    private const int MacBytes = 32;
    private const int MacBase64Chars = 44;
    private const int StackLimit = 1024;

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
        if (encoded.IsEmpty || encoded.ContainsAny(" \t\r\n") || !Base64.IsValid(encoded, out var length))
        {
            error = $"the secret must be \"{SecretPrefix}\" followed by standard base64";
            return false;
        }

        if (length is < MinKeyBytes or > MaxKeyBytes)
        {
            error = $"the secret's key must be {MinKeyBytes} to {MaxKeyBytes} bytes (it is {length})";
            return false;
        }

        key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
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
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(msgId);
        var length = ContentLength(msgId, body);
        byte[]? rented = null;
        var content = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            content = content[..WriteContent(content, msgId, timestamp, body)];
            Span<char> signature = stackalloc char[VersionPrefix.Length + MacBase64Chars];
            var header = new StringBuilder(2 * (signature.Length + 1));
            foreach (var key in keys)
            {
                ArgumentNullException.ThrowIfNull(key, nameof(keys));
                WriteSignature(key, content, signature);
                if (header.Length > 0)
                    header.Append(' ');
                header.Append(signature);
            }

            if (header.Length == 0)
                throw new ArgumentException("At least one signing key is required.", nameof(keys));
            return header.ToString();
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
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

        Span<char> expected = stackalloc char[VersionPrefix.Length + MacBase64Chars];
        var length = ContentLength(msgId, body);
        byte[]? rented = null;
        var content = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            content = content[..WriteContent(content, msgId, timestamp, body)];
            WriteSignature(key, content, expected);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }

        var matched = false;
        foreach (var range in signatureHeader.AsSpan().Split(' '))
        {
            var entry = signatureHeader.AsSpan(range);
            // Every entry is compared, so timing reveals nothing about which one matched.
            if (entry.Length == expected.Length
                && CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(entry), MemoryMarshal.AsBytes(expected)))
                matched = true;
        }

        return matched;
    }

    private static int ContentLength(string msgId, ReadOnlySpan<byte> body)
        => Encoding.UTF8.GetByteCount(msgId) + 1 + 20 + 1 + body.Length;

    private static int WriteContent(Span<byte> destination, string msgId, long timestamp, ReadOnlySpan<byte> body)
    {
        var written = Encoding.UTF8.GetBytes(msgId, destination);
        destination[written++] = (byte)'.';
        timestamp.TryFormat(destination[written..], out var digits, default, CultureInfo.InvariantCulture);
        written += digits;
        destination[written++] = (byte)'.';
        body.CopyTo(destination[written..]);
        return written + body.Length;
    }

    private static void WriteSignature(ReadOnlySpan<byte> key, ReadOnlySpan<byte> content, Span<char> destination)
    {
        Span<byte> mac = stackalloc byte[MacBytes];
        HMACSHA256.HashData(key, content, mac);
        VersionPrefix.CopyTo(destination);
        Convert.TryToBase64Chars(mac, destination[VersionPrefix.Length..], out _);
    }
}

using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Core.Signing;

/// <summary>
/// The Standard Webhooks HMAC rule (docs/signatures.md), the one copy of it: Herald's signer uses it,
/// and Herald.Webhooks compiles this file in as a linked source so that the receiver package stays
/// free of dependencies. It is internal so that an assembly referencing both sees no clash.
/// A signature is <c>v1,</c> + base64 HMAC-SHA256, keyed by the base64 bytes of the
/// <c>whsec_</c> secret, of <c>"{webhook-id}.{webhook-timestamp}.{body}"</c>.
/// </summary>
/// <remarks>
/// Signing runs once per attempt: the signed content is built once, on the stack or in a pooled
/// buffer, whatever the number of keys. Only standard library types may be used here.
/// </remarks>
internal static class StandardWebhooksHmac
{
    /// <summary>The prefix of every secret of this scheme.</summary>
    internal const string SecretPrefix = "whsec_";

    /// <summary>The length of one signature entry, <c>v1,</c> and the base64 of 32 bytes.</summary>
    internal const int SignatureChars = 3 + 44;

    private const string VersionPrefix = "v1,";
    private const int MacBytes = 32;
    private const int StackLimit = 1024;

    /// <summary>What a received <c>webhook-signature</c> header holds for one key.</summary>
    internal enum HeaderMatch
    {
        /// <summary>No entry is a <c>v1</c> signature (other versions are skipped, not refused).</summary>
        NoV1Entry,

        /// <summary>There are <c>v1</c> entries and none is this message's signature.</summary>
        NoMatch,

        /// <summary>A <c>v1</c> entry is this message's signature.</summary>
        Match,
    }

    /// <summary>
    /// The HMAC key of a secret: the base64 after <c>whsec_</c>, or the whole string when the prefix is
    /// absent (a receiver may hold the bare key). False when that is not base64. Herald's own
    /// stricter acceptance rules for the secrets it stores are applied before this, not here.
    /// </summary>
    internal static bool TryDecodeSecret(string secret, out byte[] key)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret.AsSpan(SecretPrefix.Length) : secret.AsSpan();
        var buffer = new byte[encoded.Length / 4 * 3 + 3];
        if (!Convert.TryFromBase64Chars(encoded, buffer, out var written))
        {
            key = [];
            return false;
        }
        key = buffer.AsSpan(0, written).ToArray();
        CryptographicOperations.ZeroMemory(buffer);
        return true;
    }

    /// <summary>
    /// The <c>webhook-signature</c> value: one space-separated <c>v1,…</c> entry per key, in order.
    /// The timestamp is signed as the characters sent in <c>webhook-timestamp</c>.
    /// </summary>
    /// <exception cref="ArgumentException">No keys were given.</exception>
    internal static string SignatureHeader(IEnumerable<byte[]> keys, string msgId, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(msgId);
        var length = ContentLength(msgId, timestamp, body);
        byte[]? rented = null;
        var content = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            content = content[..WriteContent(content, msgId, timestamp, body)];
            Span<char> signature = stackalloc char[SignatureChars];
            Span<byte> mac = stackalloc byte[MacBytes];
            var header = new StringBuilder(2 * (SignatureChars + 1));
            foreach (var key in keys)
            {
                ArgumentNullException.ThrowIfNull(key, nameof(keys));
                HMACSHA256.HashData(key, content, mac);
                VersionPrefix.CopyTo(signature);
                Convert.TryToBase64Chars(mac, signature[VersionPrefix.Length..], out _);
                if (header.Length > 0)
                {
                    header.Append(' ');
                }
                header.Append(signature);
            }

            if (header.Length == 0)
            {
                throw new ArgumentException("At least one signing key is required.", nameof(keys));
            }
            return header.ToString();
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Looks for this message's signature under <paramref name="key"/> among the space-separated
    /// entries of a received <c>webhook-signature</c> header. Checking that the timestamp is recent,
    /// against replays, is the caller's.
    /// </summary>
    internal static HeaderMatch Verify(string signatureHeader, ReadOnlySpan<byte> key, string msgId, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(signatureHeader);
        ArgumentNullException.ThrowIfNull(msgId);
        Span<byte> expected = stackalloc byte[MacBytes];
        var length = ContentLength(msgId, timestamp, body);
        byte[]? rented = null;
        var content = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            HMACSHA256.HashData(key, content[..WriteContent(content, msgId, timestamp, body)], expected);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        var result = HeaderMatch.NoV1Entry;
        Span<byte> given = stackalloc byte[MacBytes + 3];
        foreach (var range in signatureHeader.AsSpan().Split(' '))
        {
            var entry = signatureHeader.AsSpan(range);
            if (!entry.StartsWith(VersionPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            if (result == HeaderMatch.NoV1Entry)
            {
                result = HeaderMatch.NoMatch;
            }
            // Every entry is compared in constant time and the loop never ends early, so the time
            // taken tells nothing about which entry matched or how much of one did.
            if (Convert.TryFromBase64Chars(entry[VersionPrefix.Length..], given, out var written)
                && written == MacBytes
                && CryptographicOperations.FixedTimeEquals(given[..MacBytes], expected))
            {
                result = HeaderMatch.Match;
            }
        }
        return result;
    }

    private static int ContentLength(string msgId, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body)
        => Encoding.UTF8.GetByteCount(msgId) + 1 + Encoding.UTF8.GetByteCount(timestamp) + 1 + body.Length;

    private static int WriteContent(Span<byte> destination, string msgId, ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body)
    {
        var written = Encoding.UTF8.GetBytes(msgId, destination);
        destination[written++] = (byte)'.';
        written += Encoding.UTF8.GetBytes(timestamp, destination[written..]);
        destination[written++] = (byte)'.';
        body.CopyTo(destination[written..]);
        return written + body.Length;
    }
}

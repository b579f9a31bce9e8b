using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Core.Signing;

/// <summary>
/// Ushahidi's signature rule (docs/signatures.md), the one copy of it: Herald's signer uses it, and
/// Herald.Webhooks compiles this file in as a linked source so that the receiver package stays free
/// of dependencies. It is internal so that an assembly referencing both sees no clash. A signature
/// is base64 HMAC-SHA256, keyed by the secret's UTF-8 bytes, of the endpoint URL's UTF-8 bytes
/// (exactly as configured) followed by the body.
/// </summary>
/// <remarks>Only standard library types may be used here.</remarks>
internal static class UshahidiHmac
{
    private const int MacBytes = 32;
    private const int StackLimit = 1024;

    /// <summary>What a received signature header says about one request.</summary>
    internal enum SignatureMatch
    {
        /// <summary>The value is not the base64 of an HMAC-SHA256.</summary>
        Malformed,

        /// <summary>A well-formed signature of something else.</summary>
        NoMatch,

        /// <summary>The request's signature.</summary>
        Match,
    }

    /// <summary>The signature header value for one request.</summary>
    internal static string Sign(ReadOnlySpan<byte> key, string url, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[MacBytes];
        Compute(key, url, body, mac);
        return Convert.ToBase64String(mac);
    }

    /// <summary>Compares a received signature (already trimmed) with the request's, in constant time.</summary>
    internal static SignatureMatch Verify(ReadOnlySpan<char> signature, ReadOnlySpan<byte> key, string url, ReadOnlySpan<byte> body)
    {
        Span<byte> given = stackalloc byte[MacBytes + 3];
        if (!Convert.TryFromBase64Chars(signature, given, out var written) || written != MacBytes)
        {
            return SignatureMatch.Malformed;
        }
        Span<byte> expected = stackalloc byte[MacBytes];
        Compute(key, url, body, expected);
        return CryptographicOperations.FixedTimeEquals(given[..MacBytes], expected) ? SignatureMatch.Match : SignatureMatch.NoMatch;
    }

    private static void Compute(ReadOnlySpan<byte> key, string url, ReadOnlySpan<byte> body, Span<byte> mac)
    {
        ArgumentNullException.ThrowIfNull(url);
        var length = Encoding.UTF8.GetByteCount(url) + body.Length;
        byte[]? rented = null;
        var content = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var urlBytes = Encoding.UTF8.GetBytes(url, content);
            body.CopyTo(content[urlBytes..]);
            HMACSHA256.HashData(key, content[..length], mac);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}

using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Core.Signing;

/// <summary>
/// Ushahidi's signature scheme: base64 HMAC-SHA256, keyed by the secret's UTF-8 bytes, of the
/// endpoint URL's UTF-8 bytes followed by the body. The URL is signed exactly as stored, so a
/// receiver must see the same string Herald was given.
/// </summary>
/// <remarks>
/// Herald's face of the scheme: the secrets it issues. The signature rule itself is
/// <see cref="UshahidiHmac"/>, which Herald.Webhooks shares.
/// </remarks>
public static class UshahidiSignature
{
    /// <summary>The header the signature goes in unless the endpoint names another.</summary>
    public const string DefaultHeader = "X-Ushahidi-Signature";

    private const string UrlSafeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>The signature header value for one request.</summary>
    public static string Sign(string secretUtf8, string url, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secretUtf8);
        ArgumentNullException.ThrowIfNull(url);

        var keyLength = Encoding.UTF8.GetByteCount(secretUtf8);
        byte[]? rented = null;
        var key = keyLength <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(keyLength));
        try
        {
            key = key[..Encoding.UTF8.GetBytes(secretUtf8, key)];
            return UshahidiHmac.Sign(key, url, body);
        }
        finally
        {
            // The key buffer held the secret; pooled memory outlives this call.
            CryptographicOperations.ZeroMemory(key);
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>A new secret: 32 random URL-safe characters (192 bits).</summary>
    public static string NewSecret() => RandomNumberGenerator.GetString(UrlSafeAlphabet, 32);
}

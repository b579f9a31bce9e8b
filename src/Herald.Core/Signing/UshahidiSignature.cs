using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Core.Signing;

/// <summary>
/// Ushahidi's signature scheme: base64 HMAC-SHA256, keyed by the secret's UTF-8 bytes, of the
/// endpoint URL's UTF-8 bytes followed by the body. The URL is signed exactly as stored, so a
/// receiver must see the same string Herald was given.
/// </summary>
public static class UshahidiSignature
{
    /// <summary>The header the signature goes in unless the endpoint names another.</summary>
    public const string DefaultHeader = "X-Ushahidi-Signature";

    private const string UrlSafeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private const int StackLimit = 1024;

    /// <summary>The signature header value for one request.</summary>
    public static string Sign(string secretUtf8, string url, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secretUtf8);
        ArgumentNullException.ThrowIfNull(url);

        var keyLength = Encoding.UTF8.GetByteCount(secretUtf8);
        var contentLength = Encoding.UTF8.GetByteCount(url) + body.Length;
        byte[]? rentedKey = null;
        byte[]? rentedContent = null;
        var key = keyLength <= 256 ? stackalloc byte[256] : (rentedKey = ArrayPool<byte>.Shared.Rent(keyLength));
        var content = contentLength <= StackLimit ? stackalloc byte[StackLimit] : (rentedContent = ArrayPool<byte>.Shared.Rent(contentLength));
        try
        {
            key = key[..Encoding.UTF8.GetBytes(secretUtf8, key)];
            var urlBytes = Encoding.UTF8.GetBytes(url, content);
            body.CopyTo(content[urlBytes..]);

            Span<byte> mac = stackalloc byte[32];
            HMACSHA256.HashData(key, content[..contentLength], mac);
            return Convert.ToBase64String(mac);
        }
        finally
        {
            // The key buffer held the secret; pooled memory outlives this call.
            CryptographicOperations.ZeroMemory(key);
            if (rentedKey is not null)
                ArrayPool<byte>.Shared.Return(rentedKey);
            if (rentedContent is not null)
                ArrayPool<byte>.Shared.Return(rentedContent);
        }
    }

    /// <summary>A new secret: 32 random URL-safe characters (192 bits).</summary>
    public static string NewSecret() => RandomNumberGenerator.GetString(UrlSafeAlphabet, 32);
}

using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Core;

/// <summary>
/// API key bearer tokens: <c>hk_</c> and 43 URL-safe base64 characters (256 random bits).
/// Only <see cref="Hash"/> of a token is ever stored.
/// </summary>
public static class ApiKeys
{
    /// <summary>The prefix every token starts with, so leaked keys are recognisable by scanners.</summary>
    public const string TokenPrefix = "hk_";

    /// <summary>Creates a new random token.</summary>
    public static string NewToken()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        return TokenPrefix + Base64Url.EncodeToString(bytes);
    }

    /// <summary>SHA-256 of the token's UTF-8 bytes; what the store keeps and looks keys up by.</summary>
    /// <remarks>
    /// A fast unsalted hash suffices because tokens are 256-bit random values, not passwords:
    /// there is nothing to brute-force, and lookup by hash needs a deterministic function.
    /// </remarks>
    public static byte[] Hash(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }
}

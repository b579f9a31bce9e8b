using System.Security.Cryptography;
using System.Text;

namespace Herald.Webhooks;

/// <summary>
/// Verifies the Ushahidi Platform scheme (docs/signatures.md): <c>X-Ushahidi-Signature</c> is
/// <c>base64(HMAC-SHA256(secret as UTF-8, url + body))</c>, with the URL exactly as configured in
/// Herald. There is no timestamp, so this scheme cannot detect a replay.
/// </summary>
public sealed class UshahidiVerifier(string secret)
{
    public const string SignatureHeader = "X-Ushahidi-Signature";

    private const int SignatureLength = 32;

    private readonly byte[] _key = Encoding.UTF8.GetBytes(secret ?? throw new ArgumentNullException(nameof(secret)));

    public VerificationResult Verify(string url, string? signature, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (string.IsNullOrEmpty(signature))
        {
            return VerificationResult.Invalid($"missing {SignatureHeader} header");
        }
        Span<byte> given = stackalloc byte[SignatureLength + 3];
        if (!Convert.TryFromBase64String(signature.Trim(), given, out var written) || written != SignatureLength)
        {
            return VerificationResult.Invalid("the signature is not a base64 HMAC-SHA256");
        }
        Span<byte> expected = stackalloc byte[SignatureLength];
        Sign(url, body, expected);
        return CryptographicOperations.FixedTimeEquals(given[..SignatureLength], expected)
            ? VerificationResult.Valid
            : VerificationResult.Invalid("the signature does not match (is the URL exactly the one configured in Herald?)");
    }

    /// <summary>The signature a sender puts in <c>X-Ushahidi-Signature</c>.</summary>
    public string Sign(string url, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[SignatureLength];
        Sign(url, body, mac);
        return Convert.ToBase64String(mac);
    }

    private void Sign(string url, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(Encoding.UTF8.GetBytes(url));
        hmac.AppendData(body);
        hmac.GetHashAndReset(destination);
    }
}

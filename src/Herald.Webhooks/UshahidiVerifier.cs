using System.Text;
using Herald.Core.Signing;

namespace Herald.Webhooks;

/// <summary>
/// Verifies the Ushahidi Platform scheme (docs/signatures.md): <c>X-Ushahidi-Signature</c> is
/// <c>base64(HMAC-SHA256(secret as UTF-8, url + body))</c>, with the URL exactly as configured in
/// Herald. There is no timestamp, so this scheme cannot detect a replay. The rule is Herald's own
/// signing source (<c>Herald.Core/Signing/UshahidiHmac.cs</c>), compiled into this package.
/// </summary>
public sealed class UshahidiVerifier(string secret)
{
    public const string SignatureHeader = "X-Ushahidi-Signature";

    private readonly byte[] _key = Encoding.UTF8.GetBytes(secret ?? throw new ArgumentNullException(nameof(secret)));

    public VerificationResult Verify(string url, string? signature, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (string.IsNullOrEmpty(signature))
        {
            return VerificationResult.Invalid($"missing {SignatureHeader} header");
        }
        return UshahidiHmac.Verify(signature.AsSpan().Trim(), _key, url, body) switch
        {
            UshahidiHmac.SignatureMatch.Match => VerificationResult.Valid,
            UshahidiHmac.SignatureMatch.NoMatch => VerificationResult.Invalid("the signature does not match (is the URL exactly the one configured in Herald?)"),
            _ => VerificationResult.Invalid("the signature is not a base64 HMAC-SHA256"),
        };
    }

    /// <summary>The signature a sender puts in <c>X-Ushahidi-Signature</c>.</summary>
    public string Sign(string url, ReadOnlySpan<byte> body) => UshahidiHmac.Sign(_key, url, body);
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Tests.Infrastructure;

/// <summary>
/// Signature checks written from the specifications alone (standardwebhooks.com, Ushahidi's
/// webhook docs) and deliberately sharing no code with Herald, so a bug in Herald's signer cannot
/// be mirrored by the check that is meant to catch it.
/// </summary>
public static class IndependentVerifier
{
    public const string SecretPrefix = "whsec_";

    /// <summary>The spec's recommended tolerance for <c>webhook-timestamp</c>, both ways.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Verifies a Standard Webhooks request: <c>webhook-signature</c> must hold at least one
    /// <c>v1,&lt;base64&gt;</c> entry equal to HMAC-SHA256 over <c>{webhook-id}.{webhook-timestamp}.{body}</c>
    /// keyed with the base64-decoded secret, and the timestamp must be within the tolerance of <paramref name="now"/>.
    /// </summary>
    public static bool Verify(
        string secret,
        IReadOnlyDictionary<string, string> headers,
        byte[] body,
        DateTimeOffset now,
        out string failureReason,
        TimeSpan? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(body);

        if (!TryDecodeSecret(secret, out var key))
        {
            failureReason = "secret is not base64 (after stripping the whsec_ prefix)";
            return false;
        }

        var id = Find(headers, "webhook-id");
        var timestampText = Find(headers, "webhook-timestamp");
        var signatureHeader = Find(headers, "webhook-signature");
        if (string.IsNullOrEmpty(id))
        {
            failureReason = "missing webhook-id header";
            return false;
        }
        if (string.IsNullOrEmpty(timestampText))
        {
            failureReason = "missing webhook-timestamp header";
            return false;
        }
        if (string.IsNullOrEmpty(signatureHeader))
        {
            failureReason = "missing webhook-signature header";
            return false;
        }
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
        {
            failureReason = $"webhook-timestamp '{timestampText}' is not whole Unix seconds";
            return false;
        }

        // The spec checks the timestamp before the signature: a replayed request fails as stale.
        var allowed = tolerance ?? DefaultTolerance;
        var skew = now.ToUnixTimeSeconds() - timestamp;
        if (skew > allowed.TotalSeconds)
        {
            failureReason = $"webhook-timestamp {timestamp} is too old ({skew} s before now; tolerance {allowed.TotalSeconds} s)";
            return false;
        }
        if (-skew > allowed.TotalSeconds)
        {
            failureReason = $"webhook-timestamp {timestamp} is too new ({-skew} s after now; tolerance {allowed.TotalSeconds} s)";
            return false;
        }

        var expected = Hmac(key, SignedContent(id, timestampText, body));
        var v1Entries = 0;
        foreach (var entry in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = entry.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || entry[..comma] != "v1")
            {
                continue; // Other versions (v1a, future ones) are not ours to check.
            }
            v1Entries++;
            if (TryFromBase64(entry[(comma + 1)..], out var candidate)
                && CryptographicOperations.FixedTimeEquals(candidate, expected))
            {
                failureReason = "";
                return true;
            }
        }

        failureReason = v1Entries == 0
            ? $"webhook-signature has no v1 entry: '{signatureHeader}'"
            : $"no v1 signature matched (the body, id, timestamp or secret differ): expected v1,{Convert.ToBase64String(expected)} " +
              $"for {body.Length} body bytes, got '{signatureHeader}'";
        return false;
    }

    /// <summary>Produces the <c>v1,&lt;base64&gt;</c> entry a Standard Webhooks sender would send.</summary>
    public static string Sign(string secret, string id, long timestamp, byte[] body)
    {
        if (!TryDecodeSecret(secret, out var key))
        {
            throw new ArgumentException("secret is not base64 (after stripping the whsec_ prefix)", nameof(secret));
        }
        var timestampText = timestamp.ToString(CultureInfo.InvariantCulture);
        return "v1," + Convert.ToBase64String(Hmac(key, SignedContent(id, timestampText, body)));
    }

    /// <summary>Ushahidi's signature: base64 HMAC-SHA256 of the URL followed by the body, keyed by the secret's UTF-8 bytes.</summary>
    public static string UshahidiSignature(string secret, string url, byte[] body)
    {
        var urlBytes = Encoding.UTF8.GetBytes(url);
        var data = new byte[urlBytes.Length + body.Length];
        urlBytes.CopyTo(data, 0);
        body.CopyTo(data, urlBytes.Length);
        return Convert.ToBase64String(Hmac(Encoding.UTF8.GetBytes(secret), data));
    }

    public static bool VerifyUshahidi(string secret, string url, byte[] body, string? signature, out string failureReason)
    {
        if (string.IsNullOrEmpty(signature))
        {
            failureReason = "missing Ushahidi signature header";
            return false;
        }
        var expected = Convert.FromBase64String(UshahidiSignature(secret, url, body));
        if (!TryFromBase64(signature.Trim(), out var given))
        {
            failureReason = $"Ushahidi signature '{signature}' is not base64";
            return false;
        }
        if (!CryptographicOperations.FixedTimeEquals(given, expected))
        {
            failureReason = $"Ushahidi signature did not match (the URL, body or secret differ): expected {Convert.ToBase64String(expected)} " +
                            $"for {url} and {body.Length} body bytes, got {signature}";
            return false;
        }
        failureReason = "";
        return true;
    }

    private static byte[] SignedContent(string id, string timestamp, byte[] body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content, prefix.Length);
        return content;
    }

    private static byte[] Hmac(byte[] key, byte[] data)
    {
        using var hmac = new HMACSHA256(key);
        return hmac.ComputeHash(data);
    }

    private static bool TryDecodeSecret(string secret, out byte[] key)
    {
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        return TryFromBase64(encoded, out key) && key.Length > 0;
    }

    private static bool TryFromBase64(string text, out byte[] bytes)
    {
        var buffer = new byte[text.Length];
        if (Convert.TryFromBase64String(text, buffer, out var written))
        {
            bytes = buffer[..written];
            return true;
        }
        bytes = [];
        return false;
    }

    // Header names are case-insensitive on the wire; callers may hand in any dictionary.
    private static string? Find(IReadOnlyDictionary<string, string> headers, string name)
    {
        if (headers.TryGetValue(name, out var exact))
        {
            return exact;
        }
        foreach (var (key, value) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }
        return null;
    }
}

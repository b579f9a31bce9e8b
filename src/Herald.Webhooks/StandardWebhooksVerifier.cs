using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Webhooks;

/// <summary>
/// Verifies the Standard Webhooks scheme (docs/signatures.md): <c>webhook-signature</c> holds
/// space-separated <c>v1,base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))</c> entries, where the
/// key is the base64 part of the <c>whsec_</c> secret.
/// </summary>
public sealed class StandardWebhooksVerifier
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    private const string SecretPrefix = "whsec_";
    private const int SignatureLength = 32;

    private readonly byte[] _key;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;

    /// <param name="secret">The endpoint's secret, <c>whsec_…</c> (a bare base64 key is accepted too).</param>
    /// <param name="tolerance">How far the timestamp may be from the clock, either way; 5 minutes by default.</param>
    /// <param name="time">The clock; the system clock by default.</param>
    public StandardWebhooksVerifier(string secret, TimeSpan? tolerance = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        try
        {
            _key = Convert.FromBase64String(encoded);
        }
        catch (FormatException e)
        {
            throw new ArgumentException("The secret is not whsec_ followed by base64.", nameof(secret), e);
        }
        _tolerance = tolerance ?? TimeSpan.FromMinutes(5);
        if (_tolerance < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), "The tolerance cannot be negative.");
        }
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Verifies with the request's headers (names compared case-insensitively).</summary>
    public VerificationResult Verify(IReadOnlyDictionary<string, string> headers, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return Verify(Find(headers, IdHeader), Find(headers, TimestampHeader), Find(headers, SignatureHeader), body);
    }

    /// <summary>Verifies with the three header values.</summary>
    public VerificationResult Verify(string? id, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(id))
        {
            return VerificationResult.Invalid($"missing {IdHeader} header");
        }
        if (string.IsNullOrEmpty(timestamp))
        {
            return VerificationResult.Invalid($"missing {TimestampHeader} header");
        }
        if (string.IsNullOrEmpty(signatureHeader))
        {
            return VerificationResult.Invalid($"missing {SignatureHeader} header");
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return VerificationResult.Invalid($"{TimestampHeader} is not a Unix time in seconds");
        }
        // Both directions: an old timestamp is a replay, a future one a way to make a replay last longer.
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs((decimal)now - seconds) > (decimal)_tolerance.TotalSeconds)
        {
            return VerificationResult.Invalid(seconds < now
                ? $"timestamp too old ({now - seconds} s; tolerance {_tolerance.TotalSeconds:0} s)"
                : $"timestamp too far in the future ({seconds - now} s; tolerance {_tolerance.TotalSeconds:0} s)");
        }

        Span<byte> expected = stackalloc byte[SignatureLength];
        Sign(_key, id, timestamp, body, expected);
        Span<byte> given = stackalloc byte[SignatureLength + 3];
        var sawV1 = false;
        foreach (var entry in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = entry.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || !entry.AsSpan(0, comma).SequenceEqual("v1"))
            {
                continue;
            }
            sawV1 = true;
            // Every entry is compared, so the time taken does not tell which one matched.
            if (Convert.TryFromBase64String(entry[(comma + 1)..], given, out var written)
                && written == SignatureLength
                && CryptographicOperations.FixedTimeEquals(given[..SignatureLength], expected))
            {
                return VerificationResult.Valid;
            }
        }
        return VerificationResult.Invalid(sawV1 ? "no signature matches" : $"no v1 signature in {SignatureHeader}");
    }

    /// <summary>The <c>v1,…</c> signature of a message: what a sender puts in <c>webhook-signature</c>.</summary>
    public string Sign(string id, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[SignatureLength];
        Sign(_key, id, timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), body, mac);
        return "v1," + Convert.ToBase64String(mac);
    }

    private static void Sign(byte[] key, string id, string timestamp, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Encoding.UTF8.GetBytes($"{id}.{timestamp}."));
        hmac.AppendData(body);
        hmac.GetHashAndReset(destination);
    }

    private static string? Find(IReadOnlyDictionary<string, string> headers, string name)
    {
        if (headers.TryGetValue(name, out var value))
        {
            return value;
        }
        foreach (var (key, v) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return v;
            }
        }
        return null;
    }
}

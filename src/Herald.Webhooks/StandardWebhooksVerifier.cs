using System.Globalization;
using Herald.Core.Signing;

namespace Herald.Webhooks;

/// <summary>
/// Verifies the Standard Webhooks scheme (docs/signatures.md): <c>webhook-signature</c> holds
/// space-separated <c>v1,base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))</c> entries, where the
/// key is the base64 part of the <c>whsec_</c> secret. The rule is Herald's own signing source
/// (<c>Herald.Core/Signing/StandardWebhooksHmac.cs</c>), compiled into this package.
/// </summary>
public sealed class StandardWebhooksVerifier
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    private readonly byte[] _key;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;

    /// <param name="secret">The endpoint's secret, <c>whsec_…</c> (a bare base64 key is accepted too).</param>
    /// <param name="tolerance">How far the timestamp may be from the clock, either way; 5 minutes by default.</param>
    /// <param name="time">The clock; the system clock by default.</param>
    public StandardWebhooksVerifier(string secret, TimeSpan? tolerance = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        if (!StandardWebhooksHmac.TryDecodeSecret(secret, out _key))
        {
            throw new ArgumentException("The secret is not whsec_ followed by base64.", nameof(secret));
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

        return StandardWebhooksHmac.Verify(signatureHeader, _key, id, timestamp, body) switch
        {
            StandardWebhooksHmac.HeaderMatch.Match => VerificationResult.Valid,
            StandardWebhooksHmac.HeaderMatch.NoMatch => VerificationResult.Invalid("no signature matches"),
            _ => VerificationResult.Invalid($"no v1 signature in {SignatureHeader}"),
        };
    }

    /// <summary>The <c>v1,…</c> signature of a message: what a sender puts in <c>webhook-signature</c>.</summary>
    public string Sign(string id, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(id);
        return StandardWebhooksHmac.SignatureHeader([_key], id, timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), body);
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

using System.Security.Cryptography;
using System.Text;
using Herald.Core.Model;
using Herald.Engine.Delivery;
using Herald.Webhooks;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Delivery;

/// <summary>
/// What Herald signs, Herald.Webhooks verifies: the request headers built for an attempt, checked by
/// the receiver package's verifiers, across the forms a secret takes and headers carrying several
/// signatures. Both sides compile the same rule source, so these pin the plumbing around it (secret
/// decoding, timestamp text, header layout); the rule itself is pinned by known answers elsewhere.
/// </summary>
public sealed class SignatureInteropTests
{
    private static readonly DateTimeOffset SentAt = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<int, int> KeysAndBodies => new()
    {
        { 24, 0 },
        { 32, 20 },
        { 64, 5000 },
        { 32, 1024 * 1024 },
    };

    [Theory]
    [MemberData(nameof(KeysAndBodies))]
    public void StandardSignature_Verifies_WithTheWhsecSecretAndWithTheBareKey(int keyBytes, int bodyBytes)
    {
        var key = RandomNumberGenerator.GetBytes(keyBytes);
        var secret = "whsec_" + Convert.ToBase64String(key);
        var body = RandomNumberGenerator.GetBytes(bodyBytes);

        var headers = Sign(Endpoint(secret), "dlv_interop", body);

        Assert.True(Verifier(secret).Verify(headers, body).IsValid);
        Assert.True(Verifier(Convert.ToBase64String(key)).Verify(headers, body).IsValid);
        Assert.Equal(headers["webhook-signature"], Verifier(secret).Sign("dlv_interop", SentAt, body));
    }

    [Fact]
    public void StandardSignature_DuringARotation_VerifiesWithEitherSecret_AndNotWithAnother()
    {
        var current = NewSecret();
        var previous = NewSecret();
        var body = Encoding.UTF8.GetBytes("""{"type":"inspection.started","data":{"id":"ü"}}""");
        var endpoint = Endpoint(current) with { Secrets = new SigningSecrets(current, previous, SentAt.AddMinutes(1)) };

        var headers = Sign(endpoint, "dlv_rotating", body);

        Assert.Equal(2, headers["webhook-signature"].Split(' ').Length);
        Assert.True(Verifier(current).Verify(headers, body).IsValid);
        Assert.True(Verifier(previous).Verify(headers, body).IsValid);
        var other = Verifier(NewSecret()).Verify(headers, body);
        Assert.False(other.IsValid);
        Assert.Equal("no signature matches", other.Reason);
        Assert.False(Verifier(current).Verify(headers, [.. body, (byte)' ']).IsValid);
    }

    [Fact]
    public void StandardSignature_AfterTheOverlap_VerifiesWithTheCurrentSecretOnly()
    {
        var current = NewSecret();
        var previous = NewSecret();
        var body = "{}"u8.ToArray();
        var endpoint = Endpoint(current) with { Secrets = new SigningSecrets(current, previous, SentAt.AddSeconds(-1)) };

        var headers = Sign(endpoint, "dlv_rotated", body);

        Assert.Single(headers["webhook-signature"].Split(' '));
        Assert.True(Verifier(current).Verify(headers, body).IsValid);
        Assert.False(Verifier(previous).Verify(headers, body).IsValid);
    }

    [Theory]
    [InlineData("ushahidi-secret", "https://receiver.example/hook?x=1", null, 30)]
    [InlineData("ключ-секрет-🔑", "https://receiver.example/ü/hook", "X-Custom-Signature", 2000)]
    public void UshahidiSignature_Verifies_AgainstTheUrlAsConfigured(string secret, string url, string? header, int bodyBytes)
    {
        var body = RandomNumberGenerator.GetBytes(bodyBytes);
        var endpoint = Endpoint(secret) with { Spec = Spec(url) with { SignatureScheme = "ushahidi", SignatureHeader = header } };

        var headers = Sign(endpoint, "dlv_ushahidi", body);

        var signature = headers[header ?? UshahidiVerifier.SignatureHeader];
        Assert.True(new UshahidiVerifier(secret).Verify(url, signature, body).IsValid);
        Assert.Equal(signature, new UshahidiVerifier(secret).Sign(url, body));
        Assert.False(new UshahidiVerifier(secret).Verify(url + "/", signature, body).IsValid);
        Assert.False(new UshahidiVerifier(secret + "x").Verify(url, signature, body).IsValid);
    }

    private static Dictionary<string, string> Sign(Endpoint endpoint, string messageId, byte[] body) =>
        AttemptRunner.BuildRequest(messageId, endpoint, body, SentAt).Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase);

    private static StandardWebhooksVerifier Verifier(string secret) => new(secret, time: new FakeTimeProvider(SentAt.AddSeconds(2)));

    private static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static EndpointSpec Spec(string url) => new() { Name = "interop", Url = url };

    private static Endpoint Endpoint(string secret) =>
        new("ep_interop", "org_interop", Spec("https://receiver.example/hook"), new SigningSecrets(secret, null, null), null, false, SentAt, SentAt);
}

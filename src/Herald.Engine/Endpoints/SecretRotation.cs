using Herald.Core;
using Herald.Core.Endpoints;
using Herald.Core.Model;

namespace Herald.Engine.Endpoints;

/// <summary>Rotating an endpoint's signing secret, the same from the API and the dashboard.</summary>
public static class SecretRotation
{
    public const string NothingToRotate = "This endpoint is not signed (signature scheme none): there is no secret to rotate.";

    /// <summary>
    /// The endpoint with a new secret, and that secret; null when the endpoint is not signed.
    /// Standard Webhooks carries several signatures, so the old secret keeps signing through
    /// <paramref name="overlap"/>; the Ushahidi header has room for one, so that scheme switches at once.
    /// </summary>
    public static (Endpoint Rotated, string Secret)? Rotate(Endpoint endpoint, DateTimeOffset now, TimeSpan overlap)
    {
        var scheme = endpoint.Spec.SignatureScheme;
        if (scheme == "none")
        {
            return null;
        }
        now = Times.Truncate(now);
        var secret = EndpointSpecParser.NewSecretFor(scheme)!;
        var secrets = scheme == "standard"
            ? new SigningSecrets(secret, endpoint.Secrets.Current, now + overlap)
            : new SigningSecrets(secret, null, null);
        return (endpoint with { Secrets = secrets, UpdatedAt = now }, secret);
    }
}

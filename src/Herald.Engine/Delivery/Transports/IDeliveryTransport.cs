namespace Herald.Engine.Delivery.Transports;

/// <summary>
/// One way of carrying an attempt to a receiver, chosen by the scheme of the endpoint's URL
/// (docs/adr/0007-delivery-transports.md). The attempt runner prepares the attempt (body,
/// signature, headers) and afterwards records and judges the outcome; the transport only sends.
/// </summary>
public interface IDeliveryTransport
{
    /// <summary>The URL schemes this transport delivers to (<c>https</c>), compared case-insensitively.</summary>
    IReadOnlyList<string> Schemes { get; }

    /// <summary>
    /// Sends one prepared attempt within its timeout. Every way of failing to deliver is an outcome
    /// with an <see cref="SendOutcome.Error"/>, never an exception; only the caller's
    /// <paramref name="cancellationToken"/> (shutdown) ends a send by throwing.
    /// </summary>
    Task<SendOutcome> SendAsync(PreparedAttempt attempt, CancellationToken cancellationToken);
}

/// <summary>
/// An attempt ready to send, built by the attempt runner: the body as formatted and the headers
/// with the signature, the endpoint's own headers and auth. A transport carries the headers its
/// medium can (message headers for e-mail and AMQP), and the attempt log shows them as prepared.
/// </summary>
public sealed record PreparedAttempt(string Method, string Url, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body, TimeSpan Timeout);

/// <summary>
/// What came back: the receiver's answer as an HTTP-style status (2xx acknowledges) with its
/// headers and the first bytes of its body, or the reason there was none; and how long it took.
/// <see cref="RetryAfter"/> is the receiver's own wait request, raw, when its medium has one.
/// </summary>
public sealed record SendOutcome(int? Status, IReadOnlyDictionary<string, string> Headers, string Body, string? Error, TimeSpan Duration, string? RetryAfter)
{
    /// <summary>An attempt that failed before anything could be sent.</summary>
    public static SendOutcome NotSent(string error) => new(null, new Dictionary<string, string>(), "", error, TimeSpan.Zero, null);
}

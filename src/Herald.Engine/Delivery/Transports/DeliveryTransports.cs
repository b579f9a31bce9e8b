using System.Collections.Frozen;
using Herald.Core.Model;

namespace Herald.Engine.Delivery.Transports;

/// <summary>
/// The registered transports by URL scheme. Each transport is one <see cref="IDeliveryTransport"/>
/// registration; when two claim a scheme, the one registered last takes it, as with any service.
/// </summary>
public sealed class DeliveryTransports
{
    private readonly FrozenDictionary<string, IDeliveryTransport>.AlternateLookup<ReadOnlySpan<char>> _byScheme;

    public DeliveryTransports(IEnumerable<IDeliveryTransport> transports)
    {
        ArgumentNullException.ThrowIfNull(transports);
        var byScheme = new Dictionary<string, IDeliveryTransport>(StringComparer.OrdinalIgnoreCase);
        foreach (var transport in transports)
        {
            foreach (var scheme in transport.Schemes)
            {
                byScheme[scheme] = transport;
            }
        }
        _byScheme = byScheme.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The transport for a URL's scheme, or null when none is registered for it.</summary>
    public IDeliveryTransport? For(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return _byScheme.TryGetValue(Scheme(url), out var transport) ? transport : null;
    }

    /// <summary>Sends an attempt with its endpoint's transport; without one, the attempt fails unsent and says why.</summary>
    public Task<SendOutcome> SendAsync(Endpoint endpoint, PreparedAttempt attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var url = endpoint.Spec.Url;
        if (For(url) is { } transport)
        {
            return transport.SendAsync(attempt, cancellationToken);
        }
        var scheme = Scheme(url);
        return Task.FromResult(SendOutcome.NotSent(scheme.IsEmpty
            ? "the endpoint URL has no scheme, so no transport can deliver to it"
            : $"no transport delivers to \"{scheme}:\" URLs"));
    }

    private static ReadOnlySpan<char> Scheme(string url)
    {
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? url.AsSpan(0, colon) : [];
    }
}

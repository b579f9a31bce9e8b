using System.Net;
using System.Net.Sockets;
using Herald.Core.Security;
using Herald.Engine.Configuration;
using Herald.Engine.Telemetry;

namespace Herald.Engine.Delivery;

/// <summary>A connection refused by the SSRF guard; its message is what the attempt log shows.</summary>
public sealed class RefusedTargetException(string message) : Exception(message);

/// <summary>
/// The SSRF guard (docs/security.md): refused address classes are rejected when an endpoint is saved and
/// again on every connection, on the address actually connected, so DNS rebinding gains nothing.
/// </summary>
public sealed class TargetGuard(HeraldOptions options, IHostResolver resolver)
{
    public bool AllowPrivate => options.AllowPrivateTargets;

    /// <summary>
    /// Checks a URL at save time. A host that does not resolve yet is accepted (checked at send time);
    /// returns the reason when the host is, or resolves to, a refused address.
    /// </summary>
    public async Task<string?> CheckUrlAsync(Uri url, CancellationToken cancellationToken)
    {
        if (AllowPrivate)
        {
            return null;
        }
        IPAddress[] addresses;
        var host = url.IdnHost.Trim('[', ']');
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                addresses = await resolver.ResolveAsync(host, timeout.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ArgumentException)
            {
                return null;
            }
        }
        foreach (var address in addresses)
        {
            if (AddressGuard.IsRefused(address, out var reason))
            {
                return addresses.Length == 1 && addresses[0].Equals(literal)
                    ? $"is a {reason}, which Herald refuses (SSRF guard; start with --allow-private-targets for local receivers)"
                    : $"resolves to a {reason}, which Herald refuses (SSRF guard; start with --allow-private-targets for local receivers)";
            }
        }
        return null;
    }

    /// <summary>The SocketsHttpHandler connect hook: resolve, refuse, connect, and check the connected address.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var port = context.DnsEndPoint.Port;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await resolver.ResolveAsync(host, cancellationToken);
        string? refusal = null;
        Exception? lastError = null;
        foreach (var address in addresses)
        {
            if (!AllowPrivate && AddressGuard.IsRefused(address, out var reason))
            {
                refusal ??= $"refused to connect to {host}: {reason} (SSRF guard)";
                continue;
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
                // Checkpoint: the address that matters is the one the socket reached, not the one a resolver named.
                if (!AllowPrivate && socket.RemoteEndPoint is IPEndPoint remote && AddressGuard.IsRefused(remote.Address, out var connectedReason))
                {
                    socket.Dispose();
                    throw new RefusedTargetException($"refused to connect to {host}: {connectedReason} (SSRF guard)");
                }
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                lastError = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        if (lastError is not null)
        {
            throw lastError;
        }
        throw new RefusedTargetException(refusal ?? $"{host} did not resolve to any address");
    }
}

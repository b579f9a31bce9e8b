using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Herald.Core.Security;

/// <summary>
/// The SSRF guard's address policy (DESIGN §6, §10): which IP addresses a webhook may never be
/// sent to unless private targets are allowed. Checked on every resolved and connected address,
/// so it must be cheap and allocation-free when an address passes.
/// </summary>
public static class AddressGuard
{
    /// <summary>
    /// True when <paramref name="address"/> is in a refused class; <paramref name="reason"/> then
    /// names the class and the address (e.g. "loopback address 127.0.0.1"). IPv6 forms that embed
    /// an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16) are
    /// judged by the embedded address, since that is where the packets end up.
    /// </summary>
    public static bool IsRefused(IPAddress address, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> v4 = stackalloc byte[4];
            address.TryWriteBytes(v4, out _);
            var cls = ClassifyV4(BinaryPrimitives.ReadUInt32BigEndian(v4));
            reason = cls is null ? null : $"{cls} {address}";
            return cls is not null;
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            reason = $"unsupported address family {address.AddressFamily}";
            return true;
        }

        // The scope id (fe80::1%eth0) picks an interface; it never makes a refused address safe,
        // so classification looks only at the 128 address bits.
        Span<byte> v6 = stackalloc byte[16];
        address.TryWriteBytes(v6, out _);
        var hi = BinaryPrimitives.ReadUInt64BigEndian(v6);
        var lo = BinaryPrimitives.ReadUInt64BigEndian(v6[8..]);

        var v6Class = ClassifyV6(hi, lo);
        if (v6Class is not null)
        {
            reason = $"{v6Class} {address}";
            return true;
        }

        if (TryGetEmbeddedV4(hi, lo, out var embedded, out var form))
        {
            var cls = ClassifyV4(embedded);
            if (cls is not null)
            {
                reason = $"{cls} {FormatV4(embedded)} ({form} {address})";
                return true;
            }
        }

        reason = null;
        return false;
    }

    private static string? ClassifyV4(uint a) => a switch
    {
        _ when a >> 24 == 0 => "unspecified (this-network) address",
        _ when a >> 24 == 127 => "loopback address",
        _ when a >> 24 == 10 || a >> 20 == 0xAC1 || a >> 16 == 0xC0A8 => "private network address",
        _ when a >> 22 == (100u << 2 | 1) => "shared (carrier-grade NAT) address",
        0xA9FEA9FE => "cloud metadata address",
        _ when a >> 16 == 0xA9FE => "link-local address",
        _ when a >> 28 == 0xE => "multicast address",
        0xFFFFFFFF => "broadcast address",
        _ when a >> 28 == 0xF => "reserved address",
        _ => null,
    };

    private static string? ClassifyV6(ulong hi, ulong lo) => (hi, lo) switch
    {
        (0, 0) => "unspecified address",
        (0, 1) => "loopback address",
        (0xFD00_0EC2_0000_0000, 0x254) => "cloud metadata address",
        _ when hi >> 57 == 0xFC >> 1 => "unique local address",
        _ when hi >> 54 == 0xFE80 >> 6 => "link-local address",
        _ when hi >> 56 == 0xFF => "multicast address",
        _ => null,
    };

    private static bool TryGetEmbeddedV4(ulong hi, ulong lo, out uint v4, out string? form)
    {
        (v4, form) = (hi, lo >> 32) switch
        {
            (0, 0xFFFF) => ((uint)lo, "IPv4-mapped"),
            (0, 0) => ((uint)lo, "IPv4-compatible"),
            (0x0064_FF9B_0000_0000, 0) => ((uint)lo, "NAT64"),
            _ when hi >> 48 == 0x2002 => ((uint)(hi >> 16), "6to4"),
            _ => (0u, null),
        };
        return form is not null;
    }

    private static string FormatV4(uint a) => $"{a >> 24}.{(a >> 16) & 0xFF}.{(a >> 8) & 0xFF}.{a & 0xFF}";
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Herald.Core.Security;

/// <summary>
/// The SSRF guard's address policy (docs/security.md): which IP addresses a webhook may never be
/// sent to unless private targets are allowed. Checked on every resolved and connected address,
/// so it must be cheap and allocation-free when an address passes.
/// </summary>
public static class AddressGuard
{
    /// <summary>
    /// True when <paramref name="address"/> is in a refused class; <paramref name="reason"/> then
    /// names the class and the address (e.g. "loopback address 127.0.0.1"). IPv6 forms that embed
    /// an IPv4 address (IPv4-mapped, IPv4-translated ::ffff:0:a.b.c.d, IPv4-compatible, NAT64
    /// 64:ff9b::/96, 6to4 2002::/16) are judged by the embedded address, since that is where the
    /// packets end up. The classes follow the IANA special-purpose address registries: every range
    /// there that is not globally reachable unicast is refused.
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
        _ when a >> 8 == 0xC00000 => "IETF protocol assignment address", // 192.0.0.0/24
        _ when a >> 8 == 0xC00002 || a >> 8 == 0xC63364 || a >> 8 == 0xCB0071 => "documentation address", // TEST-NET-1, -2, -3
        _ when a >> 8 == 0xC05863 => "6to4 relay anycast address", // 192.88.99.0/24, deprecated
        _ when a >> 17 == 0xC612 >> 1 => "benchmarking address", // 198.18.0.0/15
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
        _ when hi >> 54 == 0xFEC0 >> 6 => "site-local address",
        (0x0100_0000_0000_0000, _) => "discard-only address", // 100::/64
        (0x0100_0000_0000_0001, _) => "dummy prefix address", // 100:0:0:1::/64
        _ when hi >> 16 == 0x0064_FF9B_0001 => "local-use NAT64 address", // 64:ff9b:1::/48: what it translates to is the network's choice
        _ when hi >> 32 == 0x2001_0000 => "Teredo address", // 2001::/32: tunnels to an IPv4 address of the relay's choosing
        _ when hi >> 16 == 0x2001_0002_0000 => "benchmarking address", // 2001:2::/48
        _ when hi >> 41 == 0x2001_0000 >> 9 => "IETF protocol assignment address", // 2001::/23
        _ when hi >> 32 == 0x2001_0DB8 || hi >> 44 == 0x3FFF0 => "documentation address", // 2001:db8::/32, 3fff::/20
        _ when hi >> 48 == 0x5F00 => "segment routing (SRv6) address", // 5f00::/16
        _ when hi >> 56 == 0xFF => "multicast address",
        _ => null,
    };

    private static bool TryGetEmbeddedV4(ulong hi, ulong lo, out uint v4, out string? form)
    {
        (v4, form) = (hi, lo >> 32) switch
        {
            (0, 0xFFFF) => ((uint)lo, "IPv4-mapped"),
            (0, 0xFFFF_0000) => ((uint)lo, "IPv4-translated"),
            (0, 0) => ((uint)lo, "IPv4-compatible"),
            (0x0064_FF9B_0000_0000, 0) => ((uint)lo, "NAT64"),
            _ when hi >> 48 == 0x2002 => ((uint)(hi >> 16), "6to4"),
            _ => (0u, null),
        };
        return form is not null;
    }

    private static string FormatV4(uint a) => $"{a >> 24}.{(a >> 16) & 0xFF}.{(a >> 8) & 0xFF}.{a & 0xFF}";
}

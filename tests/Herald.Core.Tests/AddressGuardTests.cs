using System.Net;
using Herald.Core.Security;

namespace Herald.Core.Tests;

public class AddressGuardTests
{
    public static TheoryData<string, string> Refused => new()
    {
        // IPv4
        { "0.0.0.0", "unspecified (this-network) address 0.0.0.0" },
        { "0.255.1.2", "unspecified (this-network) address 0.255.1.2" },
        { "127.0.0.1", "loopback address 127.0.0.1" },
        { "127.255.255.254", "loopback address 127.255.255.254" },
        { "10.1.2.3", "private network address 10.1.2.3" },
        { "10.255.255.255", "private network address 10.255.255.255" },
        { "172.16.0.1", "private network address 172.16.0.1" },
        { "172.31.255.255", "private network address 172.31.255.255" },
        { "192.168.1.1", "private network address 192.168.1.1" },
        { "100.64.0.1", "shared (carrier-grade NAT) address 100.64.0.1" },
        { "100.127.255.255", "shared (carrier-grade NAT) address 100.127.255.255" },
        { "169.254.169.254", "cloud metadata address 169.254.169.254" },
        { "169.254.1.1", "link-local address 169.254.1.1" },
        { "224.0.0.1", "multicast address 224.0.0.1" },
        { "239.255.255.250", "multicast address 239.255.255.250" },
        { "240.0.0.1", "reserved address 240.0.0.1" },
        { "255.255.255.254", "reserved address 255.255.255.254" },
        { "255.255.255.255", "broadcast address 255.255.255.255" },
        { "192.0.0.1", "IETF protocol assignment address 192.0.0.1" },
        { "192.0.0.170", "IETF protocol assignment address 192.0.0.170" },
        { "192.0.2.1", "documentation address 192.0.2.1" },
        { "198.51.100.7", "documentation address 198.51.100.7" },
        { "203.0.113.255", "documentation address 203.0.113.255" },
        { "192.88.99.1", "6to4 relay anycast address 192.88.99.1" },
        { "198.18.0.1", "benchmarking address 198.18.0.1" },
        { "198.19.255.255", "benchmarking address 198.19.255.255" },

        // IPv6
        { "::", "unspecified address ::" },
        { "::1", "loopback address ::1" },
        { "fc00::1", "unique local address fc00::1" },
        { "fdff:ffff::1", "unique local address fdff:ffff::1" },
        { "fd00:ec2::254", "cloud metadata address fd00:ec2::254" },
        { "fe80::1", "link-local address fe80::1" },
        { "febf::1", "link-local address febf::1" },
        { "ff02::1", "multicast address ff02::1" },
        { "ff05::1:3", "multicast address ff05::1:3" },
        { "fec0::1", "site-local address fec0::1" },
        { "feff::1", "site-local address feff::1" },
        { "100::1", "discard-only address 100::1" },
        { "100::ffff:ffff:ffff:ffff", "discard-only address 100::ffff:ffff:ffff:ffff" },
        { "100:0:0:1::1", "dummy prefix address 100:0:0:1::1" },
        { "64:ff9b:1::a9fe:a9fe", "local-use NAT64 address 64:ff9b:1::a9fe:a9fe" },
        { "64:ff9b:1:ffff::1", "local-use NAT64 address 64:ff9b:1:ffff::1" },
        { "2001::1", "Teredo address 2001::1" },
        { "2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo address 2001:0:4136:e378:8000:63bf:3fff:fdd2" },
        { "2001:2::1", "benchmarking address 2001:2::1" },
        { "2001:1::1", "IETF protocol assignment address 2001:1::1" },
        { "2001:20::1", "IETF protocol assignment address 2001:20::1" },
        { "2001:1ff::1", "IETF protocol assignment address 2001:1ff::1" },
        { "2001:db8::1", "documentation address 2001:db8::1" },
        { "3fff:fff::1", "documentation address 3fff:fff::1" },
        { "5f00::1", "segment routing (SRv6) address 5f00::1" },

        // IPv4 embedded in IPv6
        { "::ffff:127.0.0.1", "loopback address 127.0.0.1 (IPv4-mapped ::ffff:127.0.0.1)" },
        { "::ffff:10.1.2.3", "private network address 10.1.2.3 (IPv4-mapped ::ffff:10.1.2.3)" },
        { "::ffff:169.254.169.254", "cloud metadata address 169.254.169.254 (IPv4-mapped ::ffff:169.254.169.254)" },
        { "::ffff:0.0.0.0", "unspecified (this-network) address 0.0.0.0 (IPv4-mapped ::ffff:0:0)" },
        { "::127.0.0.1", "loopback address 127.0.0.1 (IPv4-compatible ::127.0.0.1)" },
        { "::192.168.0.1", "private network address 192.168.0.1 (IPv4-compatible ::192.168.0.1)" },
        { "::0.0.0.2", "unspecified (this-network) address 0.0.0.2 (IPv4-compatible ::2)" },
        { "64:ff9b::7f00:1", "loopback address 127.0.0.1 (NAT64 64:ff9b::7f00:1)" },
        { "64:ff9b::a9fe:a9fe", "cloud metadata address 169.254.169.254 (NAT64 64:ff9b::a9fe:a9fe)" },
        { "2002:7f00:1::", "loopback address 127.0.0.1 (6to4 2002:7f00:1::)" },
        { "2002:c0a8:101::1", "private network address 192.168.1.1 (6to4 2002:c0a8:101::1)" },
        { "2002:a9fe:a9fe:1234::1", "cloud metadata address 169.254.169.254 (6to4 2002:a9fe:a9fe:1234::1)" },
        { "::ffff:0:a9fe:a9fe", "cloud metadata address 169.254.169.254 (IPv4-translated ::ffff:0:169.254.169.254)" },
        { "::ffff:0:7f00:1", "loopback address 127.0.0.1 (IPv4-translated ::ffff:0:127.0.0.1)" },
        { "::ffff:0:c0a8:101", "private network address 192.168.1.1 (IPv4-translated ::ffff:0:192.168.1.1)" },
        { "64:ff9b::c612:1", "benchmarking address 198.18.0.1 (NAT64 64:ff9b::c612:1)" },
        { "2002:c000:0201::1", "documentation address 192.0.2.1 (6to4 2002:c000:201::1)" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void IsRefused_RefusesEveryDocumentedClass_WithAReadableReason(string address, string expectedReason)
    {
        Assert.True(AddressGuard.IsRefused(IPAddress.Parse(address), out var reason));
        Assert.Equal(expectedReason, reason);
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("93.184.216.34")]
    [InlineData("1.1.1.1")]
    [InlineData("1.0.0.0")]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("126.255.255.255")]
    [InlineData("128.0.0.0")]
    [InlineData("169.253.255.255")]
    [InlineData("169.255.0.0")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("192.167.255.255")]
    [InlineData("192.169.0.0")]
    [InlineData("223.255.255.255")]
    [InlineData("2606:4700::1111")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("::8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:0808:0808::1")]
    [InlineData("fbff:ffff::1")]
    [InlineData("192.0.1.255")]
    [InlineData("192.0.3.0")]
    [InlineData("192.88.98.255")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.0")]
    [InlineData("198.51.99.255")]
    [InlineData("203.0.114.0")]
    [InlineData("::ffff:0:808:808")]
    [InlineData("64:ff9b:2::1")]
    [InlineData("101::1")]
    [InlineData("2001:200::1")]
    [InlineData("2001:db7:ffff::1")]
    [InlineData("2001:db9::1")]
    [InlineData("3ffe:ffff::1")]
    [InlineData("5f01::1")]
    [InlineData("fe7f::1")]
    [InlineData("::2:0:0")]
    public void IsRefused_AllowsPublicAddresses(string address)
    {
        Assert.False(AddressGuard.IsRefused(IPAddress.Parse(address), out var reason));
        Assert.Null(reason);
    }

    [Theory]
    [InlineData("fe80::1%2", "link-local address fe80::1%2")]
    [InlineData("::1%1", "loopback address ::1%1")]
    [InlineData("fd12::1%3", "unique local address fd12::1%3")]
    public void IsRefused_ScopedAddresses_AreJudgedByTheirAddressBits(string address, string expectedReason)
    {
        var parsed = IPAddress.Parse(address);
        Assert.NotEqual(0, parsed.ScopeId);

        Assert.True(AddressGuard.IsRefused(parsed, out var reason));
        Assert.Equal(expectedReason, reason);
    }

    [Fact]
    public void IsRefused_AScopeIdDoesNotRefuseAPublicAddress()
    {
        var address = IPAddress.Parse("2606:4700::1111");
        address.ScopeId = 4;

        Assert.False(AddressGuard.IsRefused(address, out _));
    }

    [Fact]
    public void IsRefused_IPv4MappedLoopback_BuiltByTheFramework_IsRefused()
    {
        Assert.True(AddressGuard.IsRefused(IPAddress.Loopback.MapToIPv6(), out _));
        Assert.True(AddressGuard.IsRefused(IPAddress.IPv6Loopback, out _));
        Assert.True(AddressGuard.IsRefused(IPAddress.Any, out _));
        Assert.True(AddressGuard.IsRefused(IPAddress.IPv6Any, out _));
        Assert.True(AddressGuard.IsRefused(IPAddress.Broadcast, out _));
    }
}

using Xunit;

namespace Timonel.Simulator.Tests;

public sealed class PodIpAllocatorTests
{
    [Fact]
    public void Allocate_SamePodTwice_ReturnsSameAddress()
    {
        var ips = new PodIpAllocator();
        ips.Load("n", "10.0.0.0/24", []);

        Assert.Equal("10.0.0.2", ips.Allocate("n", "a"));
        Assert.Equal("10.0.0.2", ips.Allocate("n", "a"));
        Assert.Equal("10.0.0.3", ips.Allocate("n", "b"));
    }

    [Fact]
    public void Allocate_AfterRelease_DoesNotReuseAtOnce()
    {
        var ips = new PodIpAllocator();
        ips.Load("n", "10.0.0.0/24", []);
        ips.Allocate("n", "a");
        ips.Release("a");

        Assert.Equal("10.0.0.3", ips.Allocate("n", "b"));
    }

    [Fact]
    public void Allocate_ExistingAddresses_AreSkipped()
    {
        var ips = new PodIpAllocator();
        ips.Load("n", "10.0.0.0/24", [("old", "10.0.0.2")]);

        Assert.Equal("10.0.0.3", ips.Allocate("n", "new"));
        Assert.Equal("10.0.0.2", ips.Allocate("n", "old"));
    }

    [Fact]
    public void Allocate_FullSubnet_Throws()
    {
        var ips = new PodIpAllocator();
        ips.Load("n", "10.0.0.0/30", []);
        Assert.Equal("10.0.0.2", ips.Allocate("n", "a"));

        var e = Assert.Throws<InvalidOperationException>(() => ips.Allocate("n", "b"));
        Assert.Contains("no free pod IP", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fd00::/64")]
    [InlineData("not-a-cidr")]
    [InlineData("10.0.0.0/31")]
    public void Load_UnusableCidr_Throws(string cidr)
    {
        Assert.Throws<ArgumentException>(() => new PodIpAllocator().Load("n", cidr, []));
    }

    [Fact]
    public void NodeInternalIp_FromPodCidr_IsUniquePerSubnet()
    {
        Assert.Equal("100.74.42.5", FakeAddresses.NodeInternalIp("a", "10.42.5.0/24"));
        Assert.NotEqual(FakeAddresses.NodeInternalIp("a", "10.42.5.0/24"), FakeAddresses.NodeInternalIp("a", "10.42.6.0/24"));
        Assert.StartsWith("172.31.", FakeAddresses.NodeInternalIp("a", null), StringComparison.Ordinal);
    }
}

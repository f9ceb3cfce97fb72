using Timonel.Controllers.NodeIpam;
using Xunit;

namespace Timonel.Controllers.Tests.NodeIpam;

public sealed class CidrSetTests
{
    [Fact]
    public void AllocateNext_SkipsOccupied_AndContinuesAfterLast()
    {
        var set = new CidrSet("10.42.0.0/16", 24);
        Assert.True(set.Occupy("10.42.0.0/24"));

        Assert.Equal("10.42.1.0/24", set.AllocateNext());
        Assert.Equal("10.42.2.0/24", set.AllocateNext());
        set.Release("10.42.1.0/24");
        Assert.Equal("10.42.3.0/24", set.AllocateNext());
        Assert.Equal(256 - 3, set.Free);
    }

    [Fact]
    public void AllocateNext_Exhausted_ReturnsNullThenReusesReleased()
    {
        var set = new CidrSet("10.42.0.0/23", 24);
        Assert.Equal("10.42.0.0/24", set.AllocateNext());
        Assert.Equal("10.42.1.0/24", set.AllocateNext());
        Assert.Null(set.AllocateNext());

        set.Release("10.42.0.0/24");
        Assert.Equal("10.42.0.0/24", set.AllocateNext());
    }

    [Theory]
    [InlineData("10.43.0.0/24")]
    [InlineData("10.42.0.0/25")]
    [InlineData("garbage")]
    public void Occupy_ForeignOrMalformed_IsRefused(string cidr) => Assert.False(new CidrSet("10.42.0.0/16", 24).Occupy(cidr));

    [Theory]
    [InlineData("10.42.0.0/16", 8)]
    [InlineData("fd00::/64", 80)]
    [InlineData("10.42.0.0", 24)]
    public void Constructor_BadShape_Throws(string cidr, int mask) => Assert.Throws<ArgumentException>(() => new CidrSet(cidr, mask));
}

using System.Net;
using Timonel.Ingress.Routing;

namespace Timonel.Ingress.Tests.Routing;

/// <summary>How a request's Host header finds its routes: normalized without allocating, exact before wildcard.</summary>
public sealed class RouteTableHostTests
{
    private static HostRoutes Routes(string host) => new(host, [], Backend.Unavailable($"default/{host}", "none"), false);

    private static readonly RouteTable Table = new([Routes("a.example.com"), Routes("*.example.com"), Routes("::1"), Routes("")], null);

    [Theory]
    [InlineData("a.example.com", "a.example.com")]
    [InlineData("A.Example.COM", "a.example.com")]
    [InlineData("a.example.com:8080", "a.example.com")]
    [InlineData("a.example.com.", "a.example.com")]
    [InlineData("A.EXAMPLE.COM.:80", "a.example.com")]
    [InlineData("b.example.com", "*.example.com")]
    [InlineData("B.Example.Com:31080", "*.example.com")]
    [InlineData("[::1]:8080", "::1")]
    [InlineData("[::1]", "::1")]
    public void FindHost_HeaderForms_FindTheirRoutes(string header, string expected) =>
        Assert.Equal(expected, Table.FindHost(header)?.Host);

    [Theory]
    [InlineData("x.b.example.com")] // a wildcard stands for one label only
    [InlineData("example.com")]
    [InlineData("other.test")]
    [InlineData("nodot")]
    [InlineData("")]
    [InlineData(":80")]
    public void FindHost_NoRouteForHost_Null(string header) => Assert.Null(Table.FindHost(header));

    [Fact]
    public void FindHost_HostLongerThanTheStackBuffer_StillFound()
    {
        var label = new string('x', 60);
        var host = $"{label}.{label}.{label}.{label}.{label}.example.com";
        var table = new RouteTable([Routes(host)], null);

        Assert.Equal(host, table.FindHost(host.ToUpperInvariant() + ":80")?.Host);
    }

    [Theory]
    [InlineData("Example.COM:80", "example.com")]
    [InlineData("example.com.", "example.com")]
    [InlineData("[FE80::1]:443", "fe80::1")]
    [InlineData("[::1", "[::1")]
    [InlineData("", "")]
    public void NormalizeHost_Forms_LowerWithoutPortOrTrailingDot(string host, string expected) =>
        Assert.Equal(expected, RouteTable.NormalizeHost(host));

    [Fact]
    public void Backend_Urls_OnePerEndpointInPickOrder()
    {
        var backend = Backend.Ready("default/a", [new IPEndPoint(IPAddress.Parse("10.1.0.1"), 8080), new IPEndPoint(IPAddress.Parse("fd00::2"), 80)]);

        Assert.Equal(["http://10.1.0.1:8080", "http://[fd00::2]:80"], backend.Urls);
        var picks = Enumerable.Range(0, 4).Select(_ => backend.PickIndex()).ToArray();
        Assert.NotEqual(picks[0], picks[1]);
        Assert.Equal(picks[0], picks[2]);
        Assert.Equal(picks[1], picks[3]);
        // Pick goes on with the same round-robin: the fifth pick is the first's endpoint.
        Assert.Equal(backend.Endpoints[picks[0]], backend.Pick());
    }

    [Fact]
    public void Backend_NoEndpoints_PickIndexMinusOne()
    {
        var backend = Backend.Unavailable("default/a", "none");

        Assert.Equal(-1, backend.PickIndex());
        Assert.Null(backend.Pick());
        Assert.Empty(backend.Urls);
    }
}

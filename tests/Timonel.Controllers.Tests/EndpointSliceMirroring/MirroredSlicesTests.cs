using k8s.Models;
using Timonel.Controllers.EndpointSliceMirroring;
using Xunit;

namespace Timonel.Controllers.Tests.EndpointSliceMirroring;

public sealed class MirroredSlicesTests
{
    private static V1Endpoints Endpoints(params V1EndpointSubset[] subsets) => new()
    {
        Metadata = new V1ObjectMeta { Name = "db", NamespaceProperty = "ns", Uid = "u1" },
        Subsets = subsets,
    };

    private static V1EndpointSubset Subset(IEnumerable<string> ips, int port = 80) => new()
    {
        Addresses = [.. ips.Select(ip => new V1EndpointAddress { Ip = ip })],
        Ports = [new Corev1EndpointPort { Name = "http", Port = port }],
    };

    [Fact]
    public void For_OverThousandAddresses_KeepsFirstThousand_CountsRest()
    {
        var ips = Enumerable.Range(0, 1001).Select(i => $"10.0.{i / 250}.{(i % 250) + 1}");

        var (slices, invalid, overLimit) = MirroredSlices.For(Endpoints(Subset(ips)));

        var slice = Assert.Single(slices);
        Assert.Equal(1000, slice.Endpoints.Count);
        Assert.Equal((0, 1), (invalid, overLimit));
        Assert.DoesNotContain(slice.Endpoints, e => e.Addresses[0] == "10.0.4.1");
    }

    [Fact]
    public void For_InvalidAndMixedFamilies_SkipsInvalid_SplitsByFamilyAndPorts()
    {
        var (slices, invalid, overLimit) = MirroredSlices.For(Endpoints(
            Subset(["10.0.0.1", "not-an-ip", "10.1", "::ffff:10.0.0.2", "FD00:0::1"]),
            Subset(["10.0.0.3"], port: 81)));

        Assert.Equal((2, 0), (invalid, overLimit));
        Assert.Equal(3, slices.Count);
        var v4 = slices.Single(s => s.AddressType == "IPv4" && s.Ports[0].Port == 80);
        Assert.Equal(["10.0.0.1", "10.0.0.2"], v4.Endpoints.Select(e => e.Addresses[0]));
        Assert.Equal("fd00::1", slices.Single(s => s.AddressType == "IPv6").Endpoints[0].Addresses[0]);
        Assert.Equal("10.0.0.3", slices.Single(s => s.Ports[0].Port == 81).Endpoints[0].Addresses[0]);
        Assert.All(slices, s => Assert.Equal(("Endpoints", "u1"), (s.Metadata.OwnerReferences[0].Kind, s.Metadata.OwnerReferences[0].Uid)));
    }
}

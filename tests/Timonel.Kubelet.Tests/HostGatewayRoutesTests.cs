using System.Net;
using k8s.Models;
using Timonel.Kubelet.Network;

namespace Timonel.Kubelet.Tests;

public sealed class HostGatewayRoutesTests
{
    [Fact]
    public void Desired_OtherNodesWithCidrAndAddress_OneRouteEachViaInternalIp()
    {
        var routes = HostGatewayRoutes.Desired([Node("a", "10.42.0.0/24", "10.98.0.11"), Node("b", "10.42.1.0/24", "10.98.0.12"), Node("c", "10.42.2.0/24", "10.98.0.13")], "a");

        Assert.Equal([new PodRoute("10.42.1.0/24", IPAddress.Parse("10.98.0.12"), "b"), new PodRoute("10.42.2.0/24", IPAddress.Parse("10.98.0.13"), "c")], routes);
    }

    [Fact]
    public void Desired_NodeWithoutCidrAddressOrBeingDeleted_NoRoute()
    {
        var deleting = Node("d", "10.42.3.0/24", "10.98.0.14");
        deleting.Metadata.DeletionTimestamp = DateTime.UtcNow;

        var routes = HostGatewayRoutes.Desired([Node("a", "10.42.0.0/24", "10.98.0.11"), Node("b", null, "10.98.0.12"), Node("c", "10.42.2.0/24", null), deleting, Node("e", "not-a-cidr", "10.98.0.15")], "a");

        Assert.Empty(routes);
    }

    [Fact]
    public void Desired_SimulatedNode_NoRouteToItsMadeUpAddress()
    {
        var simulated = Node("s", "10.42.5.0/24", "100.74.42.5");
        simulated.Metadata.Labels = new Dictionary<string, string> { [Timonel.Api.Nodes.SimulatedNodes.Label] = "true" };

        var route = Assert.Single(HostGatewayRoutes.Desired([simulated, Node("b", "10.42.1.0/24", "10.98.0.12")], "a"));

        Assert.Equal("b", route.NodeName);
    }

    [Fact]
    public void ParseUnreachable_IpRouteShowOutput_OnlyUnreachableDestinations()
    {
        var destinations = IpRouteTable.ParseUnreachable("10.42.1.0/24 via 10.98.0.12 dev eth0 proto 73\nunreachable 10.42.0.0/16 proto 73 \nblackhole 10.9.0.0/16 proto 73\n");

        Assert.Equal(["10.42.0.0/16"], destinations);
    }

    [Fact]
    public void Desired_HostBitsInCidrAndExternalIpFirst_NormalizedAndInternalIpUsed()
    {
        var node = Node("b", "10.42.1.7/24", "10.98.0.12");
        node.Status.Addresses.Insert(0, new V1NodeAddress { Type = "ExternalIP", Address = "192.0.2.1" });

        var route = Assert.Single(HostGatewayRoutes.Desired([node], "a"));

        Assert.Equal("10.42.1.0/24", route.Destination);
        Assert.Equal(IPAddress.Parse("10.98.0.12"), route.Gateway);
    }

    [Fact]
    public void Desired_TwoNodesClaimOneCidr_OneRouteToTheFirstByName()
    {
        var route = Assert.Single(HostGatewayRoutes.Desired([Node("z", "10.42.1.0/24", "10.98.0.20"), Node("b", "10.42.1.0/24", "10.98.0.12")], "a"));

        Assert.Equal("b", route.NodeName);
    }

    [Fact]
    public void ParseRoutes_IpRouteShowOutput_DestinationAndGateway()
    {
        var routes = IpRouteTable.ParseRoutes("10.42.1.0/24 via 10.98.0.12 dev eth0 proto 73 \n10.42.2.0/24 via 10.98.0.13 dev eth0 proto 73\nblackhole 10.9.0.0/16 proto 73\n\n");

        Assert.Equal([new PodRoute("10.42.1.0/24", IPAddress.Parse("10.98.0.12"), string.Empty), new PodRoute("10.42.2.0/24", IPAddress.Parse("10.98.0.13"), string.Empty)], routes);
    }

    [Fact]
    public void Render_Bridge_DoesNotMasqueradeSoPodToPodKeepsSourceIp()
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(CniConfig.Render("10.42.0.0/24", "timonel0", "/tmp/ipam"))!;

        Assert.False(config["plugins"]![0]!["ipMasq"]!.GetValue<bool>());
    }

    private static V1Node Node(string name, string? cidr, string? internalIp) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1NodeSpec { PodCIDR = cidr },
        Status = new V1NodeStatus { Addresses = internalIp is null ? [] : [new V1NodeAddress { Type = "InternalIP", Address = internalIp }] },
    };
}

using Timonel.Proxy.Model;
using static Timonel.Proxy.Tests.Objects;

namespace Timonel.Proxy.Tests;

public class ServiceSnapshotTests
{
    [Fact]
    public void Build_ClusterIpServiceWithSlice_ListsEndpointsByPortName()
    {
        var states = ServiceSnapshot.Build(
            [Service("ns", "web", "10.43.0.10")],
            [Slice("ns", "web", "web-1", 8080, "http", Endpoint("10.42.0.5"), Endpoint("10.42.0.6", node: "node-b"))],
            "node-a");

        var state = Assert.Single(states);
        Assert.Equal(new ServicePortName("ns", "web", "http", "tcp"), state.Info.Name);
        Assert.Equal(["10.42.0.5:8080", "10.42.0.6:8080"], state.Endpoints.Select(e => e.ToString()));
        Assert.True(state.Endpoints[0].IsLocal);
        Assert.False(state.Endpoints[1].IsLocal);
    }

    [Fact]
    public void Build_HeadlessAndExternalName_YieldNothing()
    {
        var externalName = Service("ns", "ext", "");
        externalName.Spec.Type = "ExternalName";
        externalName.Spec.ExternalName = "example.com";
        var states = ServiceSnapshot.Build(
            [Service("ns", "headless", "None"), externalName],
            [Slice("ns", "headless", "h-1", 80, "http", Endpoint("10.42.0.5"))],
            "node-a");

        Assert.Empty(states);
    }

    [Fact]
    public void Build_SliceOfOtherPortNameOrNamespace_IsIgnored()
    {
        var states = ServiceSnapshot.Build(
            [Service("ns", "web", "10.43.0.10")],
            [Slice("ns", "web", "web-1", 8080, "metrics", Endpoint("10.42.0.5")), Slice("other", "web", "web-2", 8080, "http", Endpoint("10.42.0.6"))],
            "node-a");

        Assert.Empty(Assert.Single(states).Endpoints);
    }

    [Fact]
    public void Build_MissingConditions_DefaultToReadyAndServing()
    {
        var states = ServiceSnapshot.Build(
            [Service("ns", "web", "10.43.0.10")],
            [Slice("ns", "web", "web-1", 80, "http", Endpoint("10.42.0.5", ready: null))],
            "node-a");

        var endpoint = Assert.Single(Assert.Single(states).Endpoints);
        Assert.True(endpoint.Ready);
        Assert.True(endpoint.Serving);
        Assert.False(endpoint.Terminating);
    }

    [Fact]
    public void Build_SameEndpointInTwoSlices_KeepsTheReadyOne()
    {
        var states = ServiceSnapshot.Build(
            [Service("ns", "web", "10.43.0.10")],
            [Slice("ns", "web", "a", 80, "http", Endpoint("10.42.0.5", ready: false)), Slice("ns", "web", "b", 80, "http", Endpoint("10.42.0.5"))],
            "node-a");

        Assert.True(Assert.Single(Assert.Single(states).Endpoints).Ready);
    }

    [Fact]
    public void PortsOf_LoadBalancerWithIngressAndAffinity_CarriesIpsAndDefaultTimeout()
    {
        var service = Service("ns", "lb", "10.43.0.11", type: "LoadBalancer", nodePort: 30080);
        service.Spec.SessionAffinity = "ClientIP";
        service.Spec.ExternalTrafficPolicy = "Local";
        service.Status = new k8s.Models.V1ServiceStatus
        {
            LoadBalancer = new k8s.Models.V1LoadBalancerStatus { Ingress = [new k8s.Models.V1LoadBalancerIngress { Ip = "192.168.77.1" }, new k8s.Models.V1LoadBalancerIngress { Hostname = "lb.example" }] },
        };

        var info = Assert.Single(ServiceSnapshot.PortsOf(service));

        Assert.Equal(["192.168.77.1"], info.ExternalIps);
        Assert.Equal(30080, info.NodePort);
        Assert.Equal(10800, info.AffinityTimeoutSeconds);
        Assert.True(info.ExternalPolicyLocal);
        Assert.False(info.InternalPolicyLocal);
    }

    [Fact]
    public void PortsOf_IngressOnClusterIpService_IsIgnored()
    {
        var service = Service("ns", "web", "10.43.0.11");
        service.Status = new k8s.Models.V1ServiceStatus
        {
            LoadBalancer = new k8s.Models.V1LoadBalancerStatus { Ingress = [new k8s.Models.V1LoadBalancerIngress { Ip = "192.168.77.1" }] },
        };

        Assert.Empty(Assert.Single(ServiceSnapshot.PortsOf(service)).ExternalIps);
    }

    [Fact]
    public void Cluster_NoneReady_FallsBackToServingTerminating()
    {
        IReadOnlyList<ProxyEndpoint> endpoints =
        [
            new("10.42.0.5", 80, Ready: false, Serving: true, Terminating: true, IsLocal: true),
            new("10.42.0.6", 80, Ready: false, Serving: false, Terminating: true, IsLocal: true),
            new("10.42.0.7", 80, Ready: false, Serving: false, Terminating: false, IsLocal: false),
        ];

        Assert.Equal(["10.42.0.5:80"], EndpointSelection.Cluster(endpoints).Select(e => e.ToString()));
    }

    [Fact]
    public void Local_ReadyElsewhereOnly_IsEmpty()
    {
        IReadOnlyList<ProxyEndpoint> endpoints =
        [
            new("10.42.0.5", 80, Ready: true, Serving: true, Terminating: false, IsLocal: false),
            new("10.42.0.6", 80, Ready: false, Serving: false, Terminating: false, IsLocal: true),
        ];

        Assert.Empty(EndpointSelection.Local(endpoints));
        Assert.Single(EndpointSelection.Cluster(endpoints));
    }
}

using System.Diagnostics;
using k8s;
using k8s.Models;
using Timonel.Proxy.NetworkPolicy;
using Timonel.Proxy.Tests.Infrastructure;
using Timonel.Testing;
using Xunit.Abstractions;
using static Timonel.Proxy.Tests.NetworkPolicy.PolicyObjects;

namespace Timonel.Proxy.Tests.NetworkPolicy;

/// <summary>
/// Upstream's network policy recipes against a real kernel: two nodes in test network namespaces
/// (host-gw routes between their pod bridges), pods running httpd, the policies in an in-process
/// API server and enforced by each node's controller. Every deny is first shown to be an allow
/// without the policy.
/// </summary>
public sealed class NetworkPolicyNetworkTests(PolicyFixture fixture, ITestOutputHelper output) : IClassFixture<PolicyFixture>
{
    private async Task<PolicyScenario> ScenarioAsync()
    {
        await fixture.StartAsync();
        return new PolicyScenario(fixture);
    }

    [RootFact]
    public async Task DenyAllToAnApplication_OthersCannotReachIt_UnselectedPodsStayOpen()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=web"]);
        await s.PodAsync(ns, "a2", ["app=other"]);
        await fixture.SettledAsync();
        Assert.Equal("a1", await s.GetAsync("a2", "a1"));

        await s.PolicyAsync(Policy(ns, "web-deny-all", Select("app=web"), ["Ingress"]));

        Assert.Null(await s.GetAsync("a2", "a1"));
        Assert.Equal("a2", await s.GetAsync("a1", "a2"));
    }

    [RootFact]
    public async Task LimitTrafficToAnApplication_OnlyTheAllowedAppGetsIn()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=api"]);
        await s.PodAsync(ns, "a2", ["app=bff"]);
        await s.PodAsync(ns, "a3", ["app=other"]);
        await fixture.SettledAsync();
        Assert.Equal("a1", await s.GetAsync("a3", "a1"));

        await s.PolicyAsync(Policy(ns, "api-allow", Select("app=api"), ["Ingress"], [From([Pods("app=bff")])]));

        Assert.Equal("a1", await s.GetAsync("a2", "a1"));
        Assert.Null(await s.GetAsync("a3", "a1"));
    }

    [RootFact]
    public async Task DenyAllInNamespace_EveryPodClosed_NamespaceWithoutPoliciesUntouched()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        var open = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=a"]);
        await s.PodAsync(ns, "a2", ["app=b"]);
        await s.PodAsync(open, "a3", ["app=c"]);
        await fixture.SettledAsync();
        Assert.Equal("a2", await s.GetAsync("a1", "a2"));
        Assert.Equal("a1", await s.GetAsync("a2", "a1"));

        await s.PolicyAsync(Policy(ns, "default-deny", new V1LabelSelector(), ["Ingress"]));

        Assert.Null(await s.GetAsync("a1", "a2"));
        Assert.Null(await s.GetAsync("a2", "a1"));
        Assert.Equal("a3", await s.GetAsync("a1", "a3"));
    }

    [RootFact]
    public async Task DenyFromOtherNamespaces_SameNamespaceAllowed_OtherNamespaceDenied()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        var other = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=web"]);
        await s.PodAsync(ns, "a2", ["app=db"]);
        await s.PodAsync(other, "a3", ["app=web"]);
        await fixture.SettledAsync();
        Assert.Equal("a1", await s.GetAsync("a3", "a1"));

        await s.PolicyAsync(Policy(ns, "deny-from-other-namespaces", new V1LabelSelector(), ["Ingress"], [From([new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector() }])]));

        Assert.Equal("a1", await s.GetAsync("a2", "a1"));
        Assert.Null(await s.GetAsync("a3", "a1"));
    }

    [RootFact]
    public async Task AllowFromAllNamespaces_PodsAnywhereAllowed_NonPodSourceDenied()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        var other = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=web"]);
        await s.PodAsync(other, "b1", ["app=client"]);
        await fixture.SettledAsync();
        Assert.Equal("a1", await PolicyScenario.GetAsync(fixture.Topology.NodeB, fixture.Topology.IpOf("a1")));

        await s.PolicyAsync(Policy(ns, "web-allow-all-namespaces", Select("app=web"), ["Ingress"], [From([new V1NetworkPolicyPeer { NamespaceSelector = new V1LabelSelector() }])]));

        Assert.Equal("a1", await s.GetAsync("b1", "a1"));
        Assert.Null(await PolicyScenario.GetAsync(fixture.Topology.NodeB, fixture.Topology.IpOf("a1")));
    }

    [RootFact]
    public async Task AllowFromLabelledNamespace_ThatNamespaceAllowed_OthersDenied()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        var prod = await s.NamespaceAsync("purpose=production");
        var dev = await s.NamespaceAsync("purpose=dev");
        await s.PodAsync(ns, "a1", ["app=web"]);
        await s.PodAsync(prod, "a2", ["app=client"]);
        await s.PodAsync(dev, "a3", ["app=client"]);
        await fixture.SettledAsync();
        Assert.Equal("a1", await s.GetAsync("a3", "a1"));

        await s.PolicyAsync(Policy(ns, "web-allow-prod", Select("app=web"), ["Ingress"], [From([Namespaces("purpose=production")])]));

        Assert.Equal("a1", await s.GetAsync("a2", "a1"));
        Assert.Null(await s.GetAsync("a3", "a1"));
    }

    [RootFact]
    public async Task AllowFromSomePodsInAnotherNamespace_BothSelectorsMustMatch()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        var ops = await s.NamespaceAsync("team=operations");
        var dev = await s.NamespaceAsync("team=dev");
        await s.PodAsync(ns, "a1", ["app=web"]);
        await s.PodAsync(ops, "a2", ["type=monitoring"]);
        await s.PodAsync(ops, "a3", ["type=batch"]);
        await s.PodAsync(dev, "b1", ["type=monitoring"]);
        await fixture.SettledAsync();
        Assert.Equal("a1", await s.GetAsync("a3", "a1"));
        Assert.Equal("a1", await s.GetAsync("b1", "a1"));

        await s.PolicyAsync(Policy(ns, "web-allow-monitoring", Select("app=web"), ["Ingress"], [From([PodsInNamespaces(["type=monitoring"], ["team=operations"])])]));

        Assert.Equal("a1", await s.GetAsync("a2", "a1"));
        Assert.Null(await s.GetAsync("a3", "a1"));
        Assert.Null(await s.GetAsync("b1", "a1"));
    }

    [RootFact]
    public async Task AllowOnlyOnePort_ThatPortAllowed_OtherPortDenied()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=api"]);
        await s.PodAsync(ns, "a2", ["app=client"]);
        await fixture.SettledAsync();
        Assert.Equal("a1", await s.GetAsync("a2", "a1", 8081));

        await s.PolicyAsync(Policy(ns, "api-allow-8080", Select("app=api"), ["Ingress"], [From(null, Port(8080))]));

        Assert.Equal("a1", await s.GetAsync("a2", "a1", 8080));
        Assert.Null(await s.GetAsync("a2", "a1", 8081));
    }

    [RootFact]
    public async Task TwoPolicies_AllowTheUnion_AnyoneElseDenied()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=db"]);
        await s.PodAsync(ns, "a2", ["app=web"]);
        await s.PodAsync(ns, "b1", ["app=worker"]);
        await s.PodAsync(ns, "b2", ["app=other"]);
        await fixture.SettledAsync();
        Assert.Equal("a1", await s.GetAsync("b2", "a1"));

        await s.PolicyAsync(Policy(ns, "db-from-web", Select("app=db"), ["Ingress"], [From([Pods("app=web")])]));
        await s.PolicyAsync(Policy(ns, "db-from-worker", Select("app=db"), ["Ingress"], [From([Pods("app=worker")])]));

        Assert.Equal("a1", await s.GetAsync("a2", "a1"));
        Assert.Equal("a1", await s.GetAsync("b1", "a1"));
        Assert.Null(await s.GetAsync("b2", "a1"));
    }

    [RootFact]
    public async Task DenyEgress_SelectedPodCannotConnectOutSameOrOtherNode_OthersStillReachIt()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=foo"]);
        await s.PodAsync(ns, "a2", ["app=bar"]);
        await s.PodAsync(ns, "b1", ["app=bar"]);
        await fixture.SettledAsync();
        Assert.Equal("a2", await s.GetAsync("a1", "a2"));
        Assert.Equal("b1", await s.GetAsync("a1", "b1"));

        await s.PolicyAsync(Policy(ns, "foo-deny-egress", Select("app=foo"), ["Egress"]));

        Assert.Null(await s.GetAsync("a1", "a2"));
        Assert.Null(await s.GetAsync("a1", "b1"));
        Assert.Equal("a1", await s.GetAsync("a2", "a1"));
    }

    [RootFact]
    public async Task EgressOnlyToOnePort_ThatPortAllowed_OtherPortDenied()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=foo"]);
        await s.PodAsync(ns, "b1", ["app=bar"]);
        await fixture.SettledAsync();
        Assert.Equal("b1", await s.GetAsync("a1", "b1", 8080));

        await s.PolicyAsync(Policy(ns, "egress-8081", new V1LabelSelector(), ["Egress"], egress: [To(null, Port(8081))]));

        Assert.Equal("b1", await s.GetAsync("a1", "b1", 8081));
        Assert.Null(await s.GetAsync("a1", "b1", 8080));
    }

    [RootFact]
    public async Task IpBlockWithExcept_AddressInBlockAllowed_ExceptedAddressDeniedAcrossNodes()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=web"]);
        await s.PodAsync(ns, "a2", ["app=client"]);
        await s.PodAsync(ns, "b1", ["app=client"]);
        await fixture.SettledAsync();
        Assert.Equal("a1", await s.GetAsync("b1", "a1"));

        await s.PolicyAsync(Policy(ns, "web-from-block", Select("app=web"), ["Ingress"], [From([Block("10.42.0.0/16", "10.42.2.0/24")])]));

        Assert.Equal("a1", await s.GetAsync("a2", "a1"));
        Assert.Null(await s.GetAsync("b1", "a1"));
    }

    [RootFact]
    public async Task NamedPort_ResolvedOnTheSelectedPod_OtherPortDenied()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=web"], ("alt-http", 8081, "TCP"));
        await s.PodAsync(ns, "b1", ["app=client"]);
        await fixture.SettledAsync();
        Assert.Equal("a1", await s.GetAsync("b1", "a1", 8080));

        await s.PolicyAsync(Policy(ns, "web-named-port", Select("app=web"), ["Ingress"], [From(null, NamedPort("alt-http"))]));

        Assert.Equal("a1", await s.GetAsync("b1", "a1", 8081));
        Assert.Null(await s.GetAsync("b1", "a1", 8080));
    }

    [RootFact]
    public async Task EndPort_PortInRangeAllowed_PortBelowDenied()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=web"]);
        await s.PodAsync(ns, "a2", ["app=client"]);
        await fixture.SettledAsync();
        Assert.Equal("a1", await s.GetAsync("a2", "a1", 8080));

        await s.PolicyAsync(Policy(ns, "web-port-range", Select("app=web"), ["Ingress"], [From(null, Port(8081, "TCP", 8090))]));

        Assert.Equal("a1", await s.GetAsync("a2", "a1", 8081));
        Assert.Null(await s.GetAsync("a2", "a1", 8080));
    }

    [RootFact]
    public async Task CrossNode_AllowedPodOnOtherNodeGetsIn_OtherPodOnThatNodeDenied()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=web"]);
        await s.PodAsync(ns, "b1", ["app=client"]);
        await s.PodAsync(ns, "b2", ["app=other"]);
        await fixture.SettledAsync();
        Assert.Equal("a1", await s.GetAsync("b2", "a1"));

        await s.PolicyAsync(Policy(ns, "web-from-client", Select("app=web"), ["Ingress"], [From([Pods("app=client")])]));

        Assert.Equal("a1", await s.GetAsync("b1", "a1"));
        Assert.Null(await s.GetAsync("b2", "a1"));
    }

    [RootFact]
    public async Task ClusterIp_PolicyJudgesThePodBehindTheService()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=web"]);
        await s.PodAsync(ns, "a2", ["app=client"]);
        await s.PodAsync(ns, "a3", ["app=other"]);
        var service = await fixture.Cluster.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = 8080, Protocol = "TCP" }] },
        }, ns);
        await fixture.Cluster.Client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = "web-1", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "web" } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
            Endpoints = [new V1Endpoint { Addresses = [fixture.Topology.IpOf("a1")], NodeName = PolicyFixture.NodeA, Conditions = new V1EndpointConditions { Ready = true } }],
        }, ns);
        var clusterIp = service.Spec.ClusterIP;
        await Eventually.WaitAsync(_ => Task.FromResult(fixture.ProxyA.Applied?.MapElements[Nft.NftNames.ServiceIpsMap].ContainsKey($"{clusterIp} . tcp . 80") == true), TimeSpan.FromSeconds(30), "the proxy to program the Service");
        await fixture.SettledAsync();
        Assert.Equal("a1", await PolicyScenario.GetAsync(fixture.Topology.NetnsOf("a3"), clusterIp, 80));

        await s.PolicyAsync(Policy(ns, "web-from-client", Select("app=web"), ["Ingress"], [From([Pods("app=client")], Port(8080))]));

        Assert.Equal("a1", await PolicyScenario.GetAsync(fixture.Topology.NetnsOf("a2"), clusterIp, 80));
        Assert.Null(await PolicyScenario.GetAsync(fixture.Topology.NetnsOf("a3"), clusterIp, 80));
    }

    [RootFact]
    public async Task DenyAll_TrafficFromTheNodeItself_StillAllowed()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=web"]);
        await s.PodAsync(ns, "a2", ["app=client"]);

        await s.PolicyAsync(Policy(ns, "default-deny", new V1LabelSelector(), ["Ingress"]));

        Assert.Null(await s.GetAsync("a2", "a1"));
        Assert.Equal("a1", await PolicyScenario.GetAsync(fixture.Topology.NodeA, fixture.Topology.IpOf("a1")));
    }

    [RootFact]
    public async Task DenyAll_PodCreatedLater_IsCoveredToo()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=client"]);
        await s.PolicyAsync(Policy(ns, "default-deny", new V1LabelSelector(), ["Ingress"]));
        Assert.Equal("a4", await s.GetAsync("a1", "a4"));

        await s.PodAsync(ns, "a4", ["app=late"]);
        await fixture.SettledAsync();

        Assert.Null(await s.GetAsync("a1", "a4"));
    }

    [RootFact]
    public async Task PolicyChange_InEffectWithinASecond_AndEstablishedConnectionKept()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=stream"]);
        await s.PodAsync(ns, "a2", ["app=client"]);
        await fixture.SettledAsync();

        // A connection open before the policy: the ticker streams a line every 200 ms.
        // (nc's stdin is kept open by sleep: an EOF there could end the client.)
        using var stream = Shell.Start(fixture.Topology.NetnsOf("a2").Command("sh", "-c", $"sleep 60 | busybox nc {fixture.Topology.IpOf("a1")} 9000"));
        try
        {
            Assert.Equal("tick", await stream.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
            var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var ip = fixture.Topology.IpOf("a1");
            void OnSynced(PolicySyncResult result)
            {
                if (result.Applied && result.Ruleset.IngressPods.ContainsKey(ip))
                {
                    applied.TrySetResult();
                }
            }

            fixture.ControllerA.Synced += OnSynced;
            var watch = Stopwatch.StartNew();
            try
            {
                await s.PolicyAsync(Policy(ns, "deny", Select("app=stream"), ["Ingress"]), settle: false);
                await applied.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            finally
            {
                fixture.ControllerA.Synced -= OnSynced;
            }

            output.WriteLine($"policy created → table applied on the node: {watch.ElapsedMilliseconds} ms");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
            Assert.Null(await s.GetAsync("a2", "a1", 8080));

            // Lines still arrive on the connection admitted before.
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal("tick", await stream.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5)));
            }
        }
        finally
        {
            Shell.Stop(stream);
        }
    }

    [RootFact]
    public async Task PolicyChange_With100And1000Policies_InEffectWithinASecond()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=web"]);
        await s.PodAsync(ns, "a2", ["app=client"]);
        var ip = fixture.Topology.IpOf("a1");
        var created = 0;
        foreach (var count in new[] { 100, 1000 })
        {
            for (; created < count - 1; created++)
            {
                await s.PolicyAsync(Policy(ns, $"bulk-{created}", Select("app=web"), ["Ingress"], [From([Pods("app=client")], Port(10000 + created))]), settle: false);
            }

            await fixture.SettledAsync();
            Assert.Null(await s.GetAsync("a2", "a1"));

            // The last policy opens port 8080: the time until the node's table has it.
            var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnSynced(PolicySyncResult result)
            {
                if (result.Applied && result.Ruleset.IngressPods.TryGetValue(ip, out var chain) && result.Ruleset.Chains[chain].Any(r => r.EndsWith("tcp dport 8080 return", StringComparison.Ordinal)))
                {
                    applied.TrySetResult();
                }
            }

            fixture.ControllerA.Synced += OnSynced;
            var watch = Stopwatch.StartNew();
            try
            {
                await s.PolicyAsync(Policy(ns, $"open-{count}", Select("app=web"), ["Ingress"], [From([Pods("app=client")], Port(8080))]), settle: false);
                await applied.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            finally
            {
                fixture.ControllerA.Synced -= OnSynced;
            }

            output.WriteLine($"{count} policies: policy created → in effect on the node: {watch.ElapsedMilliseconds} ms");
            Assert.Equal("a1", await s.GetAsync("a2", "a1"));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"{count} policies: took {watch.Elapsed}");
            await fixture.Cluster.Client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync($"open-{count}", ns);
            await fixture.SettledAsync();
        }
    }

    [RootFact]
    public async Task Table_ListedByNft_HasTheForwardHookAndPodChains()
    {
        await using var s = await ScenarioAsync();
        var ns = await s.NamespaceAsync();
        await s.PodAsync(ns, "a1", ["app=web"]);

        await s.PolicyAsync(Policy(ns, "deny", new V1LabelSelector(), ["Ingress", "Egress"]));

        var table = fixture.Topology.NodeA.Exec("nft", "list", "table", "inet", "timonel-netpol");
        Assert.Contains("type filter hook forward priority filter; policy accept;", table, StringComparison.Ordinal);
        Assert.Contains(PolicyNames.IngressChain(ns, "a1"), table, StringComparison.Ordinal);
        Assert.Contains(PolicyNames.EgressChain(ns, "a1"), table, StringComparison.Ordinal);
        Assert.Equal("1", fixture.Topology.NodeA.Exec("sysctl", "-n", "net.bridge.bridge-nf-call-iptables").Trim());
    }
}

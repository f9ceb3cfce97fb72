using Timonel.Proxy.Model;
using Timonel.Proxy.Nft;

namespace Timonel.Proxy.Tests;

public class RulesetRendererTests
{
    private static readonly ProxyOptions Options = new() { NodeName = "node-a" };
    private static readonly ServicePortName Web = new("ns", "web", "http", "tcp");

    private static ServiceState State(ServicePortInfo info, params ProxyEndpoint[] endpoints) => new(info, endpoints);

    private static ServicePortInfo Info(int nodePort = 0, string[]? externalIps = null, int? affinity = null, bool extLocal = false, bool intLocal = false) =>
        new(Web, "10.43.0.10", 80, nodePort, externalIps ?? [], affinity, extLocal, intLocal);

    private static ProxyEndpoint Ep(string ip, bool ready = true, bool local = true) => new(ip, 8080, ready, ready, false, local);

    [Fact]
    public void Render_ThreeReadyEndpoints_BalancesRandomlyOverThree()
    {
        var ruleset = new RulesetRenderer(Options).Render([State(Info(), Ep("10.42.0.5"), Ep("10.42.0.6"), Ep("10.42.0.7"))]);

        var chain = ruleset.Chains[NftNames.ServiceChain(Web)];
        Assert.Equal("ip daddr 10.43.0.10 tcp dport 80 ip saddr != 10.42.0.0/16 jump mark-for-masquerade", chain[0]);
        Assert.StartsWith("numgen random mod 3 vmap { 0 : goto endpoint-", chain[^1], StringComparison.Ordinal);
        Assert.Equal($"goto {NftNames.ServiceChain(Web)}", ruleset.MapElements[NftNames.ServiceIpsMap]["10.43.0.10 . tcp . 80"]);
        var endpoint = ruleset.Chains[NftNames.EndpointChain(Web, Ep("10.42.0.6"))];
        Assert.Equal(["ip saddr 10.42.0.6 jump mark-for-masquerade", "meta l4proto tcp dnat to 10.42.0.6:8080"], endpoint);
        Assert.Equal(4, ruleset.Chains.Count);
        Assert.Empty(ruleset.MapElements[NftNames.NoEndpointServicesMap]);
    }

    [Fact]
    public void Render_NotReadyEndpoint_GetsNoChain()
    {
        var ruleset = new RulesetRenderer(Options).Render([State(Info(), Ep("10.42.0.5"), Ep("10.42.0.6", ready: false))]);

        Assert.DoesNotContain(ruleset.Chains.Keys, k => k.Contains("10.42.0.6", StringComparison.Ordinal));
        Assert.Equal($"goto {NftNames.EndpointChain(Web, Ep("10.42.0.5"))}", ruleset.Chains[NftNames.ServiceChain(Web)][^1]);
    }

    [Fact]
    public void Render_NoEndpoints_RejectsClusterIpNodePortAndExternalIps()
    {
        var ruleset = new RulesetRenderer(Options).Render([State(Info(nodePort: 30080, externalIps: ["192.168.77.1"]), Ep("10.42.0.5", ready: false))]);

        Assert.Empty(ruleset.Chains);
        Assert.Empty(ruleset.MapElements[NftNames.ServiceIpsMap]);
        Assert.Equal("goto reject-chain", ruleset.MapElements[NftNames.NoEndpointServicesMap]["10.43.0.10 . tcp . 80"]);
        Assert.Equal("goto reject-chain", ruleset.MapElements[NftNames.NoEndpointServicesMap]["192.168.77.1 . tcp . 80"]);
        Assert.Equal("goto reject-chain", ruleset.MapElements[NftNames.NoEndpointNodePortsMap]["tcp . 30080"]);
    }

    [Fact]
    public void Render_NodePortAndLoadBalancerIp_EnterThroughMasqueradingExternalChain()
    {
        var ruleset = new RulesetRenderer(Options).Render([State(Info(nodePort: 30080, externalIps: ["192.168.77.1"]), Ep("10.42.0.5"))]);

        var external = NftNames.ExternalChain(Web);
        Assert.Equal(["jump mark-for-masquerade", $"goto {NftNames.ServiceChain(Web)}"], ruleset.Chains[external]);
        Assert.Equal($"goto {external}", ruleset.MapElements[NftNames.ServiceNodePortsMap]["tcp . 30080"]);
        Assert.Equal($"goto {external}", ruleset.MapElements[NftNames.ServiceIpsMap]["192.168.77.1 . tcp . 80"]);
    }

    [Fact]
    public void Render_ExternalPolicyLocal_KeepsSourceAndUsesOnlyLocalEndpoints()
    {
        var ruleset = new RulesetRenderer(Options).Render([State(Info(nodePort: 30080, extLocal: true), Ep("10.42.0.5"), Ep("10.42.1.5", local: false))]);

        Assert.Equal(
            [
                $"ip saddr 10.42.0.0/16 goto {NftNames.ServiceChain(Web)}",
                "fib saddr type local jump mark-for-masquerade",
                $"fib saddr type local goto {NftNames.ServiceChain(Web)}",
                $"goto {NftNames.LocalChain(Web)}",
            ],
            ruleset.Chains[NftNames.ExternalChain(Web)]);
        Assert.Equal($"goto {NftNames.EndpointChain(Web, Ep("10.42.0.5"))}", ruleset.Chains[NftNames.LocalChain(Web)][^1]);
    }

    [Fact]
    public void Render_ExternalPolicyLocalWithoutLocalEndpoint_Drops()
    {
        var ruleset = new RulesetRenderer(Options).Render([State(Info(nodePort: 30080, extLocal: true), Ep("10.42.1.5", local: false))]);

        Assert.Equal("drop", ruleset.Chains[NftNames.ExternalChain(Web)][^1]);
        Assert.False(ruleset.Chains.ContainsKey(NftNames.LocalChain(Web)));
    }

    [Fact]
    public void Render_InternalPolicyLocal_ClusterIpGoesToLocalChainOrDrops()
    {
        var renderer = new RulesetRenderer(Options);
        var withLocal = renderer.Render([State(Info(intLocal: true), Ep("10.42.0.5"), Ep("10.42.1.5", local: false))]);
        var withoutLocal = renderer.Render([State(Info(intLocal: true), Ep("10.42.1.5", local: false))]);

        Assert.Equal($"goto {NftNames.LocalChain(Web)}", withLocal.MapElements[NftNames.ServiceIpsMap]["10.43.0.10 . tcp . 80"]);
        Assert.Equal("drop", withoutLocal.MapElements[NftNames.ServiceIpsMap]["10.43.0.10 . tcp . 80"]);
    }

    [Fact]
    public void Render_ClientIpAffinity_AddsSetPerEndpointAndStickyRules()
    {
        var ruleset = new RulesetRenderer(Options).Render([State(Info(affinity: 60), Ep("10.42.0.5"), Ep("10.42.0.6"))]);

        var set = NftNames.AffinitySet(Web, Ep("10.42.0.5"), 60);
        Assert.Equal("type ipv4_addr ; flags dynamic,timeout ; timeout 60s ;", ruleset.Sets[set]);
        Assert.Equal(2, ruleset.Sets.Count);
        Assert.Contains($"ip saddr @{set} goto {NftNames.EndpointChain(Web, Ep("10.42.0.5"))}", ruleset.Chains[NftNames.ServiceChain(Web)]);
        Assert.Contains($"update @{set} {{ ip saddr }}", ruleset.Chains[NftNames.EndpointChain(Web, Ep("10.42.0.5"))]);
    }

    [Fact]
    public void Render_NoClusterCidr_MasqueradesAllClusterIpTraffic()
    {
        var ruleset = new RulesetRenderer(Options with { ClusterCidr = null }).Render([State(Info(), Ep("10.42.0.5"))]);

        Assert.Equal("ip daddr 10.43.0.10 tcp dport 80 jump mark-for-masquerade", ruleset.Chains[NftNames.ServiceChain(Web)][0]);
    }

    [Fact]
    public void EndpointChain_LongNames_StayWithinNftLimit()
    {
        var port = new ServicePortName(new string('n', 63), new string('s', 63), new string('p', 15), "sctp");

        Assert.True(NftNames.EndpointChain(port, new ProxyEndpoint("255.255.255.255", 65535, true, true, false, true)).Length < 256);
    }
}

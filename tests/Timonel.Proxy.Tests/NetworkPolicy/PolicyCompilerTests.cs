using k8s.Models;
using Timonel.Proxy.NetworkPolicy;
using static Timonel.Proxy.Tests.NetworkPolicy.PolicyObjects;

namespace Timonel.Proxy.Tests.NetworkPolicy;

/// <summary>NetworkPolicies to the rules text of one node (node-a), as upstream reads them.</summary>
public sealed class PolicyCompilerTests
{
    private const string Node = "node-a";
    private const string Api = "10.42.1.11";
    private const string Db = "10.42.1.12";
    private const string Client = "10.42.2.11";
    private const string Probe = "10.42.1.21";
    private const string Tool = "10.42.2.21";
    private const string Quiet = "10.42.1.31";

    private static readonly V1Namespace[] AllNamespaces =
    [
        Namespace("web", Labels("team=web")),
        Namespace("other", Labels("team=other", "purpose=prod")),
        Namespace("quiet"),
    ];

    private static readonly V1Pod[] AllPods =
    [
        Pod("web", "api", Api, Node, Labels("app=api"), ("http", 8080, "TCP"), ("metrics", 9090, "TCP")),
        Pod("web", "db", Db, Node, Labels("app=db"), ("http", 8081, "TCP"), ("dns", 53, "UDP")),
        Pod("web", "client", Client, "node-b", Labels("app=client")),
        Pod("other", "probe", Probe, Node, Labels("app=client")),
        Pod("other", "tool", Tool, "node-b", Labels("app=tool"), ("http", 8082, "TCP")),
        Pod("quiet", "q", Quiet, Node),
    ];

    private static PolicyRuleset Compile(params V1NetworkPolicy[] policies) => PolicyCompiler.Compile(policies, AllPods, AllNamespaces, Node);

    private static List<string> IngressOf(PolicyRuleset ruleset, string ip) => ruleset.Chains[ruleset.IngressPods[ip]];

    private static List<string> EgressOf(PolicyRuleset ruleset, string ip) => ruleset.Chains[ruleset.EgressPods[ip]];

    [Fact]
    public void Compile_NoPolicies_IsolatesNothing()
    {
        var ruleset = Compile();

        Assert.Empty(ruleset.Chains);
        Assert.Empty(ruleset.IngressPods);
        Assert.Empty(ruleset.EgressPods);
        Assert.Empty(ruleset.Errors);
    }

    [Fact]
    public void Compile_DenyAllIngress_IsolatesEveryLocalPodOfTheNamespaceOnly()
    {
        var ruleset = Compile(Policy("web", "deny", new V1LabelSelector(), ["Ingress"]));

        Assert.Equal([Api, Db], ruleset.IngressPods.Keys);
        Assert.Equal(["drop"], IngressOf(ruleset, Api));
        Assert.Equal(PolicyNames.IngressChain("web", "api"), ruleset.IngressPods[Api]);
        Assert.Empty(ruleset.EgressPods);
    }

    [Fact]
    public void Compile_PodSelector_IsolatesOnlySelectedPods()
    {
        var ruleset = Compile(Policy("web", "api-only", Select("app=api"), ["Ingress"]));

        Assert.Equal([Api], ruleset.IngressPods.Keys);
    }

    [Fact]
    public void Compile_AllowFromSameNamespace_PeersAreThePodsOfEveryNode()
    {
        var ruleset = Compile(Policy("web", "same-ns", new V1LabelSelector(), ["Ingress"], [From([new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector() }])]));

        Assert.Equal([$"ip saddr {{ {Api}, {Db}, {Client} }} return", "drop"], IngressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_NamespaceSelector_PeersAreThePodsOfMatchingNamespaces()
    {
        var ruleset = Compile(Policy("web", "from-other", Select("app=api"), ["Ingress"], [From([Namespaces("team=other")])]));

        Assert.Equal([$"ip saddr {{ {Probe}, {Tool} }} return", "drop"], IngressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_EmptyNamespaceSelector_PeersAreThePodsOfAllNamespaces()
    {
        var ruleset = Compile(Policy("web", "from-all", Select("app=api"), ["Ingress"], [From([new V1NetworkPolicyPeer { NamespaceSelector = new V1LabelSelector() }])]));

        Assert.Equal([$"ip saddr {{ {Api}, {Db}, {Probe}, {Quiet}, {Client}, {Tool} }} return", "drop"], IngressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_NamespaceAndPodSelectorInOnePeer_BothMustMatch()
    {
        var ruleset = Compile(Policy("web", "combined", Select("app=api"), ["Ingress"], [From([PodsInNamespaces(["app=client"], ["team=other"])])]));

        Assert.Equal([$"ip saddr {{ {Probe} }} return", "drop"], IngressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_NamespaceAndPodSelectorAsTwoPeers_EitherMatches()
    {
        var ruleset = Compile(Policy("web", "either", Select("app=api"), ["Ingress"], [From([Namespaces("team=other"), Pods("app=client")])]));

        Assert.Equal([$"ip saddr {{ {Probe}, {Tool} }} return", $"ip saddr {{ {Client} }} return", "drop"], IngressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_NamespaceNameLabel_MatchesANamespaceWithoutLabels()
    {
        var ruleset = Compile(Policy("web", "by-name", Select("app=api"), ["Ingress"], [From([Namespaces("kubernetes.io/metadata.name=quiet")])]));

        Assert.Equal([$"ip saddr {{ {Quiet} }} return", "drop"], IngressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_IpBlockWithOverlappingExceptions_OneConditionEach()
    {
        var ruleset = Compile(Policy("web", "block", Select("app=api"), ["Ingress"], [From([Block("10.0.0.0/8", "10.42.2.0/24", "10.42.2.0/25")])]));

        Assert.Equal(["ip saddr 10.0.0.0/8 ip saddr != 10.42.2.0/24 ip saddr != 10.42.2.0/25 return", "drop"], IngressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_IpBlockWithHostBits_WrittenAsItsNetwork()
    {
        var ruleset = Compile(Policy("web", "block", Select("app=api"), ["Ingress"], [From([Block("10.42.1.7/16")])]));

        Assert.Equal(["ip saddr 10.42.0.0/16 return", "drop"], IngressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_Ipv6Block_UsesIp6Match()
    {
        var ruleset = Compile(Policy("web", "v6", Select("app=api"), ["Ingress"], [From([Block("2001:db8::/64")])]));

        Assert.Equal(["ip6 saddr 2001:db8::/64 return", "drop"], IngressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_PortsWithProtocolsAndRange_OneRuleEach()
    {
        var ruleset = Compile(Policy("web", "ports", Select("app=api"), ["Ingress"], [From(null, Port(80), Port(53, "UDP"), Port(8000, "TCP", 8080), AnyPort("SCTP"))]));

        Assert.Equal(["tcp dport 80 return", "udp dport 53 return", "tcp dport 8000-8080 return", "meta l4proto sctp return", "drop"], IngressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_PeersAndPorts_EveryPeerWithEveryPort()
    {
        var ruleset = Compile(Policy("web", "cross", Select("app=api"), ["Ingress"], [From([Pods("app=db"), Block("192.168.0.0/16")], Port(80), Port(443))]));

        Assert.Equal(
        [
            $"ip saddr {{ {Db} }} tcp dport 80 return",
            $"ip saddr {{ {Db} }} tcp dport 443 return",
            "ip saddr 192.168.0.0/16 tcp dport 80 return",
            "ip saddr 192.168.0.0/16 tcp dport 443 return",
            "drop",
        ], IngressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_NamedIngressPort_ResolvedOnEachSelectedPod()
    {
        var ruleset = Compile(Policy("web", "named", new V1LabelSelector(), ["Ingress"], [From(null, NamedPort("http"))]));

        Assert.Equal(["tcp dport 8080 return", "drop"], IngressOf(ruleset, Api));
        Assert.Equal(["tcp dport 8081 return", "drop"], IngressOf(ruleset, Db));
    }

    [Fact]
    public void Compile_NamedPortMissingOrOtherProtocol_AllowsNothingOnThatPod()
    {
        var ruleset = Compile(Policy("web", "named", new V1LabelSelector(), ["Ingress"], [From(null, NamedPort("metrics"), NamedPort("dns", "TCP"))]));

        Assert.Equal(["tcp dport 9090 return", "drop"], IngressOf(ruleset, Api));
        Assert.Equal(["drop"], IngressOf(ruleset, Db));
    }

    [Fact]
    public void Compile_NamedEgressPort_ResolvedOnEachDestinationPod()
    {
        var ruleset = Compile(Policy("web", "egress-named", Select("app=api"), ["Egress"], egress: [To([new V1NetworkPolicyPeer { NamespaceSelector = new V1LabelSelector() }], NamedPort("http"))]));

        Assert.Equal(
        [
            $"ip daddr {{ {Api} }} tcp dport 8080 return",
            $"ip daddr {{ {Db} }} tcp dport 8081 return",
            $"ip daddr {{ {Tool} }} tcp dport 8082 return",
            "drop",
        ], EgressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_EgressIpBlockAndPort_MatchesDestination()
    {
        var ruleset = Compile(Policy("web", "egress", Select("app=api"), ["Egress"], egress: [To([Block("0.0.0.0/0", "169.254.169.254/32")], Port(53, "UDP"))]));

        Assert.Equal(["ip daddr 0.0.0.0/0 ip daddr != 169.254.169.254/32 udp dport 53 return", "drop"], EgressOf(ruleset, Api));
        Assert.Empty(ruleset.IngressPods);
    }

    [Fact]
    public void Compile_NoPolicyTypesWithEgressRules_IsolatesBothDirections()
    {
        var ruleset = Compile(Policy("web", "implicit", Select("app=api"), null, egress: [To([Pods("app=db")])]));

        Assert.Equal(["drop"], IngressOf(ruleset, Api));
        Assert.Equal([$"ip daddr {{ {Db} }} return", "drop"], EgressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_NoPolicyTypesWithoutEgressRules_IsolatesIngressOnly()
    {
        var ruleset = Compile(Policy("web", "implicit", Select("app=api"), null, [From([Pods("app=db")])]));

        Assert.Equal([Api], ruleset.IngressPods.Keys);
        Assert.Empty(ruleset.EgressPods);
    }

    [Fact]
    public void Compile_TwoPoliciesSelectingOnePod_AllowsTheUnion()
    {
        var ruleset = Compile(
            Policy("web", "a", Select("app=api"), ["Ingress"], [From([Pods("app=db")])]),
            Policy("web", "b", new V1LabelSelector(), ["Ingress"], [From(null, Port(80))]));

        Assert.Equal([$"ip saddr {{ {Db} }} return", "tcp dport 80 return", "drop"], IngressOf(ruleset, Api));
        Assert.Equal(["tcp dport 80 return", "drop"], IngressOf(ruleset, Db));
    }

    [Fact]
    public void Compile_EmptyRule_AllowsEverything()
    {
        var ruleset = Compile(Policy("web", "open", Select("app=api"), ["Ingress"], [new V1NetworkPolicyIngressRule()]));

        Assert.Equal(["return", "drop"], IngressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_PeerSelectsNoPod_PodStaysIsolatedAndOtherPeersStillAllow()
    {
        var ruleset = Compile(Policy("web", "nobody", Select("app=api"), ["Ingress"], [From([Pods("app=nobody"), Pods("app=db")])]));

        Assert.Equal([$"ip saddr {{ {Db} }} return", "drop"], IngressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_HostNetworkFinishedAndAddresslessPods_NeitherSelectedNorPeers()
    {
        var host = Pod("web", "host", "192.168.1.5", Node, Labels("app=api"));
        host.Spec.HostNetwork = true;
        var done = Pod("web", "done", "10.42.1.50", Node, Labels("app=api"));
        done.Status.Phase = "Succeeded";
        var pending = Pod("web", "pending", null, Node, Labels("app=api"));
        var policy = Policy("web", "p", Select("app=api"), ["Ingress"], [From([Pods("app=api")])]);

        var ruleset = PolicyCompiler.Compile([policy], [.. AllPods, host, done, pending], AllNamespaces, Node);

        Assert.Equal([Api], ruleset.IngressPods.Keys);
        Assert.Equal([$"ip saddr {{ {Api} }} return", "drop"], IngressOf(ruleset, Api));
    }

    [Fact]
    public void Compile_InvalidSelector_ReportsThePolicyAndCompilesTheOthers()
    {
        var bad = Policy("web", "bad", new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "app", OperatorProperty = "Near", Values = ["x"] }] });

        var ruleset = Compile(bad, Policy("web", "good", Select("app=db"), ["Ingress"]));

        var error = Assert.Single(ruleset.Errors);
        Assert.Equal(("web", "bad"), (error.Namespace, error.Name));
        Assert.Contains("spec.podSelector", error.Message, StringComparison.Ordinal);
        Assert.Equal([Db], ruleset.IngressPods.Keys);
    }

    [Theory]
    [InlineData("10.0.0.0", null, "must be a valid CIDR value")]
    [InlineData("10.0.0.0/33", null, "must be a valid CIDR value")]
    [InlineData("10.0.0.0/8", "11.0.0.0/16", "must be a strict subset of `cidr`")]
    [InlineData("10.0.0.0/8", "10.0.0.0/8", "must be a strict subset of `cidr`")]
    public void Compile_BadIpBlock_ReportsError(string cidr, string? except, string expected)
    {
        var peer = except is null ? Block(cidr) : Block(cidr, except);

        var ruleset = Compile(Policy("web", "bad", Select("app=api"), ["Ingress"], [From([peer])]));

        Assert.Contains(expected, Assert.Single(ruleset.Errors).Message, StringComparison.Ordinal);
        Assert.Empty(ruleset.IngressPods);
    }

    [Fact]
    public void Compile_BadProtocolAndEndPortWithNamedPort_ReportErrors()
    {
        var ruleset = Compile(
            Policy("web", "proto", Select("app=api"), ["Ingress"], [From(null, Port(80, "ICMP"))]),
            Policy("web", "range", Select("app=api"), ["Ingress"], [From(null, new V1NetworkPolicyPort { Port = "http", EndPort = 90 })]));

        Assert.Equal(["proto", "range"], ruleset.Errors.Select(e => e.Name));
        Assert.Contains("Unsupported value: \"ICMP\"", ruleset.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("non-numeric", ruleset.Errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_LongNames_ChainNamesStayWithinNftLimit()
    {
        var name = new string('p', 253);
        var pod = Pod("web", name, "10.42.1.77", Node, Labels("app=api"));

        var ruleset = PolicyCompiler.Compile([Policy("web", "deny", new V1LabelSelector(), ["Ingress"])], [pod], AllNamespaces, Node);

        Assert.True(ruleset.IngressPods["10.42.1.77"].Length < 256);
        Assert.NotEqual(PolicyNames.IngressChain("web", name), PolicyNames.IngressChain("web", name[..^1]));
    }

    [Fact]
    public void Render_Ruleset_ReplacesTheTableInOneTransactionWithTheHookLast()
    {
        var ruleset = Compile(Policy("web", "deny", Select("app=api"), ["Ingress", "Egress"]));

        var lines = ruleset.Render().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(["add table inet timonel-netpol", "delete table inet timonel-netpol", "add table inet timonel-netpol"], lines[..3]);
        var chain = PolicyNames.IngressChain("web", "api");
        Assert.Contains($"add rule inet timonel-netpol {chain} drop", lines);
        Assert.Contains($"add element inet timonel-netpol ingress-pods {{ {Api} : jump {chain} }}", lines);
        Assert.Contains("add chain inet timonel-netpol forward { type filter hook forward priority filter ; policy accept ; }", lines);
        Assert.Equal("add rule inet timonel-netpol forward ip daddr vmap @ingress-pods", lines[^1]);
    }
}

using Timonel.Proxy.Model;
using Timonel.Proxy.Nft;

namespace Timonel.Proxy.Tests;

public class TransactionBuilderTests
{
    private static readonly ProxyOptions Options = new() { NodeName = "node-a" };
    private static readonly ServicePortName Web = new("ns", "web", "http", "tcp");
    private static readonly ServicePortName Api = new("ns", "api", "http", "tcp");

    private static DesiredRuleset Render(params ServiceState[] states) => new RulesetRenderer(Options).Render(states);

    private static ServiceState State(ServicePortName name, string clusterIp, params string[] ips) =>
        new(new ServicePortInfo(name, clusterIp, 80, 0, [], null, false, false), [.. ips.Select(ip => new ProxyEndpoint(ip, 8080, true, true, false, true))]);

    [Fact]
    public void Build_FirstSync_WritesBaseChainsMapsAndEveryServiceChain()
    {
        var desired = Render(State(Web, "10.43.0.10", "10.42.0.5"));

        var (script, summary) = new TransactionBuilder(Options).Build(null, desired, new HashSet<string>());

        Assert.True(summary.Full);
        Assert.StartsWith("add table ip timonel\n", script, StringComparison.Ordinal);
        Assert.Contains("add chain ip timonel nat-prerouting { type nat hook prerouting priority -100 ; }", script, StringComparison.Ordinal);
        Assert.Contains("flush map ip timonel service-ips", script, StringComparison.Ordinal);
        Assert.Contains($"add element ip timonel service-ips {{ 10.43.0.10 . tcp . 80 : goto {NftNames.ServiceChain(Web)} }}", script, StringComparison.Ordinal);
        Assert.DoesNotContain("delete table", script, StringComparison.Ordinal);
        Assert.DoesNotContain("flush table", script, StringComparison.Ordinal);
        Assert.Equal(2, summary.ChainsWritten);
    }

    [Fact]
    public void Build_OneServiceScaled_RewritesOnlyItsChains()
    {
        var applied = Render(State(Web, "10.43.0.10", "10.42.0.5"), State(Api, "10.43.0.11", "10.42.0.9"));
        var desired = Render(State(Web, "10.43.0.10", "10.42.0.5", "10.42.0.6"), State(Api, "10.43.0.11", "10.42.0.9"));

        var (script, summary) = new TransactionBuilder(Options).Build(applied, desired, new HashSet<string>());

        Assert.False(summary.Full);
        Assert.Equal(2, summary.ChainsWritten);
        Assert.Contains($"flush chain ip timonel {NftNames.ServiceChain(Web)}\n", script, StringComparison.Ordinal);
        Assert.Contains($"add chain ip timonel {NftNames.EndpointChain(Web, new ProxyEndpoint("10.42.0.6", 8080, true, true, false, true))}\n", script, StringComparison.Ordinal);
        Assert.DoesNotContain("api", script, StringComparison.Ordinal);
        Assert.DoesNotContain("nat-prerouting", script, StringComparison.Ordinal);
        Assert.DoesNotContain("element", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NothingChanged_OnlyDeclaresTheTable()
    {
        var applied = Render(State(Web, "10.43.0.10", "10.42.0.5"));

        var (script, summary) = new TransactionBuilder(Options).Build(applied, Render(State(Web, "10.43.0.10", "10.42.0.5")), new HashSet<string>());

        Assert.Equal("add table ip timonel\n", script);
        Assert.Equal(new TransactionSummary(false, 0, 0, 0), summary);
    }

    [Fact]
    public void Build_ServiceLostItsEndpoints_SwapsElementToRejectAndDeletesChainsLast()
    {
        var applied = Render(State(Web, "10.43.0.10", "10.42.0.5"));
        var desired = Render(State(Web, "10.43.0.10"));

        var (script, summary) = new TransactionBuilder(Options).Build(applied, desired, new HashSet<string>());

        var lines = script.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var deleteElement = Array.IndexOf(lines, "delete element ip timonel service-ips { 10.43.0.10 . tcp . 80 }");
        var reject = Array.IndexOf(lines, "add element ip timonel no-endpoint-services { 10.43.0.10 . tcp . 80 : goto reject-chain }");
        var deleteChain = Array.IndexOf(lines, $"delete chain ip timonel {NftNames.ServiceChain(Web)}");
        Assert.True(deleteElement >= 0 && reject >= 0 && deleteChain > deleteElement, script);
        Assert.Equal(2, summary.ChainsDeleted);
    }

    [Fact]
    public void Build_FullAfterRestart_DeletesStaleKernelObjectsButNotBaseChains()
    {
        var desired = Render(State(Web, "10.43.0.10", "10.42.0.5"));
        var existing = new HashSet<string> { "nat-prerouting", "services", NftNames.ServiceChain(Api), "endpoint-XXXX-ns/api/tcp/http__10.42.0.9/8080", "affinity-XXXX-60", NftNames.ServiceChain(Web) };

        var (script, summary) = new TransactionBuilder(Options).Build(null, desired, existing);

        Assert.Contains($"delete chain ip timonel {NftNames.ServiceChain(Api)}\n", script, StringComparison.Ordinal);
        Assert.Contains("delete chain ip timonel endpoint-XXXX-ns/api/tcp/http__10.42.0.9/8080\n", script, StringComparison.Ordinal);
        Assert.Contains("delete set ip timonel affinity-XXXX-60\n", script, StringComparison.Ordinal);
        Assert.DoesNotContain("delete chain ip timonel services", script, StringComparison.Ordinal);
        Assert.DoesNotContain($"delete chain ip timonel {NftNames.ServiceChain(Web)}\n", script, StringComparison.Ordinal);
        Assert.Equal(2, summary.ChainsDeleted);
    }

    [Fact]
    public void Build_NodePortAddresses_DeclaresIntervalSetAndMatchesIt()
    {
        var options = Options with { NodePortAddresses = ["192.168.77.9/24"] };

        var (script, _) = new TransactionBuilder(options).Build(null, new DesiredRuleset(), new HashSet<string>());

        Assert.Contains("add element ip timonel nodeport-ips { 192.168.77.0/24 }", script, StringComparison.Ordinal);
        Assert.Contains("ip daddr @nodeport-ips fib daddr type local meta l4proto . th dport vmap @service-nodeports", script, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.42.0.0/33")]
    [InlineData("10.42.0.0")]
    [InlineData("fd00::/64")]
    public void Validate_BadClusterCidr_NamesTheFlag(string cidr)
    {
        var error = Assert.Throws<ArgumentException>(() => (Options with { ClusterCidr = cidr }).Validate());

        Assert.Contains("--cluster-cidr", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadNodePortAddressOrPeriod_NamesTheFlag()
    {
        Assert.Contains("--nodeport-addresses", Assert.Throws<ArgumentException>(() => (Options with { NodePortAddresses = ["eth0"] }).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("--min-sync-period", Assert.Throws<ArgumentException>(() => (Options with { MinSyncPeriod = TimeSpan.FromMinutes(5) }).Validate()).Message, StringComparison.Ordinal);
    }
}

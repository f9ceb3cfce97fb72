using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Proxy.NetworkPolicy;
using Timonel.Proxy.Nft;
using Timonel.Proxy.Tests.Infrastructure;
using Timonel.Testing;
using static Timonel.Proxy.Tests.NetworkPolicy.PolicyObjects;

namespace Timonel.Proxy.Tests.NetworkPolicy;

/// <summary>The controller's loop against an in-process API server and a fake kernel that refuses SCTP.</summary>
public sealed class NetworkPolicyControllerTests : IAsyncLifetime
{
    private const string Ip = "10.42.1.11";
    private TestCluster _cluster = null!;
    private string _ns = "";

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync();
        _ns = await _cluster.CreateNamespaceAsync("npc");
        var pod = Pod(_ns, "web", null, "node-a", Labels("app=web"));
        pod.Status = null;
        await _cluster.Client.CoreV1.CreateNamespacedPodAsync(pod, _ns);
        var status = new V1Patch($"{{\"status\":{{\"phase\":\"Running\",\"podIP\":\"{Ip}\",\"podIPs\":[{{\"ip\":\"{Ip}\"}}]}}}}", V1Patch.PatchType.MergePatch);
        await _cluster.Client.CoreV1.PatchNamespacedPodStatusAsync(status, "web", _ns);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Sync_KernelRefusesOnePolicy_OldTableKeptAndEventOnThatPolicy()
    {
        var nft = new FakeKernel();
        await using var controller = await NetworkPolicyController.StartAsync(Options(), _cluster.NewClient(), nft, NullLoggerFactory.Instance, TimeProvider.System, CancellationToken.None);
        await controller.WaitForFirstSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await _cluster.Client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(Policy(_ns, "tcp", Select("app=web"), ["Ingress"], [From(null, Port(80))]), _ns);
        await Eventually.WaitAsync(_ => Task.FromResult(nft.Applied.Contains("tcp dport 80 return", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the TCP policy to be applied");
        var before = nft.Applied;

        await _cluster.Client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(Policy(_ns, "sctp", Select("app=web"), ["Ingress"], [From(null, Port(5000, "SCTP"))]), _ns);

        var events = await Eventually.WaitAsync(async ct =>
        {
            var list = await _cluster.Client.CoreV1.ListNamespacedEventAsync(_ns, cancellationToken: ct);
            return list.Items.Where(e => e.Reason == NetworkPolicyController.NotAppliedReason).ToList() is { Count: > 0 } found ? found : null;
        }, TimeSpan.FromSeconds(30), "a NetworkPolicyNotApplied event");
        var warning = Assert.Single(events);
        Assert.Equal(("NetworkPolicy", "sctp", "Warning"), (warning.InvolvedObject.Kind, warning.InvolvedObject.Name, warning.Type));
        Assert.Contains("the kernel refused its rules", warning.Message, StringComparison.Ordinal);
        Assert.Equal(before, nft.Applied);
        Assert.True(nft.Refusals > 0);
        Assert.DoesNotContain("sctp", controller.Applied!.Render(), StringComparison.Ordinal);

        // Once the policy is gone, the next change is applied again.
        await _cluster.Client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync("sctp", _ns);
        await _cluster.Client.NetworkingV1.DeleteNamespacedNetworkPolicyAsync("tcp", _ns);
        await Eventually.WaitAsync(_ => Task.FromResult(!nft.Applied.Contains(Ip, StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the table without policies");
    }

    [Fact]
    public async Task Sync_BurstOfPolicies_CoalescedIntoFewTransactions()
    {
        var nft = new FakeKernel();
        await using var controller = await NetworkPolicyController.StartAsync(Options() with { MinSyncPeriod = TimeSpan.FromMilliseconds(500) }, _cluster.NewClient(), nft, NullLoggerFactory.Instance, TimeProvider.System, CancellationToken.None);
        await controller.WaitForFirstSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var first = nft.Applies;

        for (var i = 0; i < 20; i++)
        {
            await _cluster.Client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(Policy(_ns, $"p{i}", Select("app=web"), ["Ingress"], [From(null, Port(1000 + i))]), _ns);
        }

        await Eventually.WaitAsync(_ => Task.FromResult(nft.Applied.Contains("tcp dport 1019 return", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "all 20 policies applied");
        Assert.True(nft.Applies - first < 20, $"{nft.Applies - first} transactions for 20 policies");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StartIfEnabledAsync_DisabledOrNot_ControllerRunsOnlyWhenEnabled(bool enabled)
    {
        var nft = new FakeKernel();

        await using var controller = await NetworkPolicyController.StartIfEnabledAsync(enabled, Options(), _cluster.NewClient(), nft, NullLoggerFactory.Instance, TimeProvider.System, CancellationToken.None);

        if (enabled)
        {
            // What the disabled case must not do: a controller that applies a table, and leaves the table it finds.
            Assert.NotNull(controller);
            await controller.WaitForFirstSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal((true, 0), (nft.Applies > 0, nft.Deletes));
        }
        else
        {
            Assert.Null(controller);
            Assert.Equal((0, 1), (nft.Applies, nft.Deletes));
        }
    }

    [RootFact]
    public async Task StartIfEnabledAsync_DisabledWithATableLeftByAnEarlierRun_DeletesIt()
    {
        using var node = Netns.Create("npdis");
        node.Exec("nft", "add", "table", PolicyNames.Family, PolicyNames.Table);
        Assert.Contains(PolicyNames.Table, node.Exec("nft", "list", "tables"), StringComparison.Ordinal);

        var controller = await NetworkPolicyController.StartIfEnabledAsync(false, Options() with { NetworkNamespace = node.Path }, _cluster.NewClient(), NullLoggerFactory.Instance, CancellationToken.None);

        Assert.Null(controller);
        Assert.DoesNotContain(PolicyNames.Table, node.Exec("nft", "list", "tables"), StringComparison.Ordinal);
        // And a second start (no table left) succeeds too.
        Assert.Null(await NetworkPolicyController.StartIfEnabledAsync(false, Options() with { NetworkNamespace = node.Path }, _cluster.NewClient(), NullLoggerFactory.Instance, CancellationToken.None));
    }

    private static ProxyOptions Options() => new() { NodeName = "node-a", MinSyncPeriod = TimeSpan.FromMilliseconds(50) };

    /// <summary>A kernel without SCTP: refuses any script that matches it, applies the rest.</summary>
    private sealed class FakeKernel : IPolicyNftables
    {
        private volatile string _applied = "";
        private int _applies;
        private int _refusals;
        private int _deletes;

        public string Applied => _applied;

        public int Applies => Volatile.Read(ref _applies);

        public int Refusals => Volatile.Read(ref _refusals);

        public int Deletes => Volatile.Read(ref _deletes);

        public Task ApplyAsync(string script, CancellationToken cancellationToken)
        {
            Refuse(script);
            _applied = script;
            Interlocked.Increment(ref _applies);
            return Task.CompletedTask;
        }

        public Task CheckAsync(string script, CancellationToken cancellationToken)
        {
            Refuse(script);
            return Task.CompletedTask;
        }

        public Task<string?> EnableBridgeFilteringAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);

        public Task DeleteTableAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _deletes);
            return Task.CompletedTask;
        }

        private void Refuse(string script)
        {
            if (script.Contains("sctp", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _refusals);
                throw new NftException("Error: Could not process rule: Protocol not supported");
            }
        }
    }
}

using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Proxy.NetworkPolicy;
using Timonel.Proxy.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.Proxy.Tests.NetworkPolicy;

/// <summary>
/// An in-process API server, a two-node <see cref="PolicyTopology"/>, a policy controller per node
/// and a service proxy on node A; started on the first root test of the class (a skipped class
/// builds nothing) and removed with it, tables included.
/// </summary>
public sealed class PolicyFixture : IAsyncLifetime
{
    public const string NodeA = "node-a";
    public const string NodeB = "node-b";

    private readonly SemaphoreSlim _lock = new(1, 1);
    private bool _started;

    internal PolicyTopology Topology { get; private set; } = null!;

    public TestCluster Cluster { get; private set; } = null!;

    public NetworkPolicyController ControllerA { get; private set; } = null!;

    public NetworkPolicyController ControllerB { get; private set; } = null!;

    public ServiceProxy ProxyA { get; private set; } = null!;

    internal ProxyOptions OptionsA => new() { NodeName = NodeA, NetworkNamespace = Topology.NodeA.Path, MinSyncPeriod = TimeSpan.FromMilliseconds(100) };

    internal ProxyOptions OptionsB => new() { NodeName = NodeB, NetworkNamespace = Topology.NodeB.Path, MinSyncPeriod = TimeSpan.FromMilliseconds(100) };

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Starts everything once.</summary>
    public async Task StartAsync()
    {
        await _lock.WaitAsync();
        try
        {
            if (_started)
            {
                return;
            }

            _started = true;
            Cluster = await TestCluster.StartAsync();
            Topology = PolicyTopology.Create();
            ControllerA = await NetworkPolicyController.StartAsync(OptionsA, Cluster.NewClient(), NullLoggerFactory.Instance, CancellationToken.None);
            ControllerB = await NetworkPolicyController.StartAsync(OptionsB, Cluster.NewClient(), NullLoggerFactory.Instance, CancellationToken.None);
            ProxyA = await ServiceProxy.StartAsync(OptionsA, Cluster.NewClient(), NullLoggerFactory.Instance, CancellationToken.None);
            await ControllerA.WaitForFirstSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            await ControllerB.WaitForFirstSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            await ProxyA.WaitForFirstSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Waits until both nodes' tables are what the API's objects compile to now.</summary>
    public async Task SettledAsync()
    {
        await Eventually.WaitAsync(async _ =>
        {
            var policies = (await Cluster.Client.NetworkingV1.ListNetworkPolicyForAllNamespacesAsync()).Items;
            var pods = (await Cluster.Client.CoreV1.ListPodForAllNamespacesAsync()).Items;
            var namespaces = (await Cluster.Client.CoreV1.ListNamespaceAsync()).Items;
            return Matches(ControllerA, NodeA) && Matches(ControllerB, NodeB);

            bool Matches(NetworkPolicyController controller, string node) =>
                controller.Applied?.Render() == PolicyCompiler.Compile(policies, pods, namespaces, node).Render();
        }, TimeSpan.FromSeconds(30), "both nodes to apply the current policies");
    }

    public async Task DisposeAsync()
    {
        if (!_started)
        {
            _lock.Dispose();
            return;
        }

        foreach (var disposable in new IAsyncDisposable?[] { ControllerA, ControllerB, ProxyA })
        {
            if (disposable is not null)
            {
                await disposable.DisposeAsync();
            }
        }

        if (Topology is not null)
        {
            await NetworkPolicyController.CleanupAsync(OptionsA, CancellationToken.None);
            await NetworkPolicyController.CleanupAsync(OptionsB, CancellationToken.None);
            await ServiceProxy.CleanupAsync(OptionsA, CancellationToken.None);
            Topology.Dispose();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        _lock.Dispose();
    }
}

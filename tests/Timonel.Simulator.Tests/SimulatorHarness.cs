using k8s;
using k8s.Models;
using Timonel.Testing;

namespace Timonel.Simulator.Tests;

/// <summary>An in-process API server with the node simulator running against it, with short timings.</summary>
internal sealed class SimulatorHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private readonly IKubernetes _simulatorClient;

    private SimulatorHarness(TestCluster cluster, NodeSimulatorOptions options)
    {
        Cluster = cluster;
        _simulatorClient = cluster.NewClient();
        _running = Task.Run(() => new NodeSimulator(options: options).RunAsync(_simulatorClient, _stop.Token));
    }

    public TestCluster Cluster { get; }

    public IKubernetes Client => Cluster.Client;

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    public static async Task<SimulatorHarness> StartAsync(NodeSimulatorOptions? options = null) =>
        new(await TestCluster.StartAsync(), options ?? new NodeSimulatorOptions
        {
            LeaseRenewInterval = TimeSpan.FromSeconds(1),
            PodRelistInterval = TimeSpan.FromSeconds(1),
        });

    /// <summary>Creates a simulated node, with a pod subnet unless <paramref name="podCidr"/> is null.</summary>
    public async Task<V1Node> CreateNodeAsync(string name, string? podCidr, bool simulated = true)
    {
        var node = new SimulatedNodeTemplate().Build(name);
        if (!simulated)
        {
            node.Metadata.Labels.Remove(SimulatedNodeTemplate.SimulatedLabel);
        }

        if (podCidr is not null)
        {
            node.Spec.PodCIDR = podCidr;
            node.Spec.PodCIDRs = [podCidr];
        }

        return await Client.CoreV1.CreateNodeAsync(node);
    }

    public async Task<V1Pod> CreatePodAsync(string ns, string name, string nodeName, Dictionary<string, string>? annotations = null, string restartPolicy = "Always", long? grace = null)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Annotations = annotations },
            Spec = new V1PodSpec
            {
                NodeName = nodeName,
                RestartPolicy = restartPolicy,
                TerminationGracePeriodSeconds = grace,
                InitContainers = [new V1Container { Name = "init", Image = "busybox" }],
                Containers = [new V1Container { Name = "app", Image = "nginx" }, new V1Container { Name = "side", Image = "busybox" }],
            },
        };
        return await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
    }

    public Task<V1Pod> WaitForPodAsync(string ns, string name, Func<V1Pod, bool> condition, string what) =>
        Eventually.WaitAsync(
            async ct =>
            {
                var pod = await Client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: ct);
                return condition(pod) ? pod : null;
            },
            Timeout,
            what);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        _simulatorClient.Dispose();
        await Cluster.DisposeAsync();
        _stop.Dispose();
    }
}

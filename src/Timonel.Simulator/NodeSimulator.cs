using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Api.Nodes;
using Timonel.Client.Hosting;
using Timonel.Client.Informers;

namespace Timonel.Simulator;

/// <summary>
/// A kubemark-like stand-in for the kubelets of every Node labelled timonel.dev/simulated=true:
/// heartbeats (Lease and Ready status), and pod lifecycles run by the real kubelet code
/// (<see cref="Timonel.Kubelet.HollowKubelet"/>) over an in-memory runtime, one per node, all
/// fed from one pod watch. Runs in the server under the timonel-node-simulator Lease, so one
/// server simulates at a time. It never dials a simulated node or pod: their addresses are fake.
/// </summary>
public sealed class NodeSimulator(ILoggerFactory? loggers = null, NodeSimulatorOptions? options = null, TimeProvider? time = null) : IClusterComponent
{
    /// <summary>Pods bound to any node; those on non-simulated nodes are filtered out in memory.</summary>
    internal const string BoundPods = "spec.nodeName!=";

    public string Name => "node-simulator";

    public string? LeaseName => "timonel-node-simulator";

    public async Task RunAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        var loggerFactory = loggers ?? NullLoggerFactory.Instance;
        var clock = time ?? TimeProvider.System;
        var settings = options ?? new NodeSimulatorOptions();
        await using var informers = new SharedInformerFactory(client, loggerFactory, clock);
        var nodes = informers.Get(ResourceKinds.Nodes, new InformerOptions { LabelSelector = $"{SimulatedNodeTemplate.SimulatedLabel}=true" });
        var pods = informers.Get(ResourceKinds.Pods, new InformerOptions { FieldSelector = BoundPods });
        using var heartbeats = new NodeHeartbeatController(client, nodes, settings, loggerFactory.CreateLogger("node-simulator"), clock);
        using var kubelets = new HollowNodeController(client, nodes, pods, settings, loggerFactory, clock);
        informers.Start();
        await Task.WhenAll(heartbeats.RunAsync(cancellationToken), kubelets.RunAsync(cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>True for nodes this simulator plays the kubelet of.</summary>
    public static bool IsSimulated(V1Node node) => SimulatedNodes.IsSimulated(node.Metadata?.Labels);
}

using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Simulator;

/// <summary>
/// Keeps one <see cref="HollowNode"/> per simulated node: its kubelet runs while the node's
/// heartbeat runs (a node marked <c>sim-heartbeat: stopped</c> is a lost kubelet: its pods are
/// neither started nor updated), restarts when the node's subnet changes, and goes with the node.
/// </summary>
internal sealed class HollowNodeController : Controller
{
    private readonly IKubernetes _client;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly SharedInformer<V1Pod> _podInformer;
    private readonly PodDispatcher _pods;
    private readonly NodeSimulatorOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly PodIpAllocator _ips = new();
    private readonly ConcurrentDictionary<string, HollowNode> _hollow = new(StringComparer.Ordinal);

    public HollowNodeController(IKubernetes client, SharedInformer<V1Node> nodes, SharedInformer<V1Pod> pods, NodeSimulatorOptions options, ILoggerFactory loggers, TimeProvider time)
        : base("node-simulator-kubelets", loggers.CreateLogger("node-simulator"), time)
    {
        _client = client;
        _nodes = nodes;
        _podInformer = pods;
        _pods = new PodDispatcher(pods);
        _options = options;
        _loggers = loggers;
        pods.AddEventHandler(onDelete: p => _ips.Release(p.Metadata.Uid ?? string.Empty));
        nodes.AddEventHandler(
            onAdd: Enqueue,
            onUpdate: (old, n) =>
            {
                if (old.Spec?.PodCIDR != n.Spec?.PodCIDR || SimulationAnnotations.HeartbeatStopped(old) != SimulationAnnotations.HeartbeatStopped(n))
                {
                    Enqueue(n);
                }
            },
            onDelete: Enqueue);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(_options.NodeWorkers, [_nodes, _podInformer], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var name in _hollow.Keys)
            {
                if (_hollow.TryRemove(name, out var node))
                {
                    await node.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var node = _nodes.Cache.Get(key);
        if (node is null)
        {
            if (_hollow.TryRemove(key, out var gone))
            {
                await gone.DisposeAsync().ConfigureAwait(false);
            }

            _ips.ForgetNode(key);
            return;
        }

        var hollow = _hollow.GetOrAdd(key, name => new HollowNode(name, _client, _pods, _ips, _options, _loggers, Time));
        await hollow.SyncAsync(!SimulationAnnotations.HeartbeatStopped(node), node.Spec?.PodCIDR, cancellationToken).ConfigureAwait(false);
    }
}

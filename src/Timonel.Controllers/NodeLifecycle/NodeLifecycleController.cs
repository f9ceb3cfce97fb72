using System.Collections.Concurrent;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

namespace Timonel.Controllers.NodeLifecycle;

/// <summary>
/// Upstream's node lifecycle controller: every NodeMonitorPeriod it checks each node's heartbeats
/// (its Lease in kube-node-lease and its Ready condition); a node silent for longer than
/// NodeMonitorGracePeriod has Ready and the pressure conditions set to Unknown and its pods
/// marked not ready. <see cref="NodeTaintController"/> turns conditions into taints and
/// <see cref="TaintEvictionController"/> evicts pods from NoExecute-tainted nodes.
/// </summary>
public sealed partial class NodeLifecycleController : IController
{
    private const string Component = "node-controller";
    private const string LeaseNamespace = "kube-node-lease";
    private static readonly string[] KubeletConditions = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly SharedInformer<V1Lease> _leases;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly NodeTaintController _taints;
    private readonly TaintEvictionController _evictions;
    private readonly ConcurrentDictionary<string, NodeHealth> _health = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _known = new(StringComparer.Ordinal);
    private readonly ILogger _log;

    public NodeLifecycleController(ControllerContext context)
    {
        _context = context;
        _log = context.Loggers.CreateLogger("node-lifecycle-controller");
        _nodes = context.Informers.Get(ResourceKinds.Nodes);
        _leases = context.Informers.Get(ResourceKinds.Leases, new InformerOptions { Namespace = LeaseNamespace });
        _pods = context.Informers.Get(ResourceKinds.Pods);
        _pods.AddIndexer(TaintEvictionController.NodeIndex, p => p.Spec?.NodeName is { Length: > 0 } n ? [n] : []);
        _nodes.AddEventHandler(onDelete: n =>
        {
            _health.TryRemove(n.Metadata.Name, out _);
            if (_known.TryRemove(n.Metadata.Name, out _))
            {
                NodeEvent(n.Metadata.Name, "RemovingNode", $"Removing Node {n.Metadata.Name} from Controller");
            }
        });
        _taints = new NodeTaintController(context, _nodes);
        _evictions = new TaintEvictionController(context, _nodes, _pods);
    }

    public string Name => "nodelifecycle";

    /// <summary>
    /// How long a node that never posted status gets (upstream's --node-startup-grace-period, 60 s
    /// by default): one and a half grace periods, which is 60 s for the default 40 s.
    /// </summary>
    private TimeSpan StartupGracePeriod => _context.Options.NodeMonitorGracePeriod * 1.5;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(
                _taints.RunWorkersAsync(cancellationToken),
                _evictions.RunWorkersAsync(Math.Max(1, _context.Options.Workers), cancellationToken),
                MonitorLoopAsync(cancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            _taints.Dispose();
            _evictions.Dispose();
        }
    }

    private async Task MonitorLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_nodes.WaitForSyncAsync(cancellationToken), _leases.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
            using var timer = new PeriodicTimer(_context.Options.NodeMonitorPeriod, _context.Time);
            do
            {
                foreach (var node in _nodes.Cache.List())
                {
                    if (_known.TryAdd(node.Metadata.Name, true))
                    {
                        // Upstream's node controller announces every node it starts watching (after its own restart too).
                        NodeEvent(node.Metadata.Name, "RegisteredNode", $"Registered Node {node.Metadata.Name} in Controller");
                    }

                    try
                    {
                        await MonitorNodeAsync(node, cancellationToken).ConfigureAwait(false);
                    }
                    catch (HttpOperationException e)
                    {
                        // Retried on the next pass.
                        Log.MonitorFailed(_log, node.Metadata.Name, e);
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>An event about a node as upstream's recordNodeEvent writes it: the node's name as its UID, "Node NAME event: ...".</summary>
    private void NodeEvent(string nodeName, string reason, string message) =>
        _context.Events.Normal(Component, new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = nodeName, Uid = nodeName } }, reason, $"Node {nodeName} event: {message}");

    private async Task MonitorNodeAsync(V1Node node, CancellationToken cancellationToken)
    {
        var now = _context.Time.GetUtcNow();
        var name = node.Metadata.Name;
        var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        var lease = _leases.Cache.Get(LeaseNamespace, name);
        var health = _health.GetOrAdd(name, _ => new NodeHealth
        {
            // A node seen for the first time (or after a controller restart) gets a full grace period from now.
            ProbeTime = ready is null && node.Metadata.CreationTimestamp is { } created ? Utc(created) : now,
            ReadyHeartbeat = ready?.LastHeartbeatTime,
            LeaseRenewTime = lease?.Spec?.RenewTime,
        });

        if (ready?.LastHeartbeatTime is { } beat && beat != health.ReadyHeartbeat)
        {
            health.ReadyHeartbeat = beat;
            health.ProbeTime = now;
        }

        if (lease?.Spec?.RenewTime is { } renewed && (health.LeaseRenewTime is null || renewed > health.LeaseRenewTime))
        {
            health.LeaseRenewTime = renewed;
            health.ProbeTime = now;
        }

        var grace = ready is null ? StartupGracePeriod : _context.Options.NodeMonitorGracePeriod;
        if (now > health.ProbeTime + grace)
        {
            node = await MarkUnknownAsync(node, ready is null, now.UtcDateTime, cancellationToken).ConfigureAwait(false) ?? node;
        }

        var readyStatus = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status;
        if (readyStatus is "False" or "Unknown")
        {
            await MarkPodsNotReadyAsync(node, now.UtcDateTime, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sets the kubelet's conditions to Unknown; returns the updated node, or null when nothing changed.</summary>
    private async Task<V1Node?> MarkUnknownAsync(V1Node node, bool neverPosted, DateTime now, CancellationToken cancellationToken)
    {
        var status = KubernetesJson.Deserialize<V1NodeStatus>(KubernetesJson.Serialize(node.Status ?? new V1NodeStatus()));
        status.Conditions ??= [];
        var changed = false;
        foreach (var type in KubeletConditions)
        {
            var condition = status.Conditions.FirstOrDefault(c => c.Type == type);
            if (condition is null)
            {
                status.Conditions.Add(new V1NodeCondition
                {
                    Type = type,
                    Status = "Unknown",
                    Reason = "NodeStatusNeverUpdated",
                    Message = "Kubelet never posted node status.",
                    LastHeartbeatTime = node.Metadata.CreationTimestamp,
                    LastTransitionTime = now,
                });
                changed = true;
            }
            else if (condition.Status != "Unknown")
            {
                condition.Status = "Unknown";
                condition.Reason = "NodeStatusUnknown";
                condition.Message = "Kubelet stopped posting node status.";
                condition.LastTransitionTime = now;
                changed = true;
            }
        }

        if (!changed)
        {
            return null;
        }

        var updated = new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = node.Metadata, Spec = node.Spec, Status = status };
        try
        {
            var result = await _context.Client.CoreV1.ReplaceNodeStatusAsync(updated, node.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            Log.NodeUnknown(_log, node.Metadata.Name, neverPosted);
            _context.Events.Normal(Component, node, "NodeNotReady", $"Node {node.Metadata.Name} status is now: NodeNotReady");
            return result;
        }
        catch (HttpOperationException e) when (ApiErrors.IsConflict(e) || ApiErrors.IsNotFound(e))
        {
            // The kubelet (or a deletion) got there first; the next pass looks again.
            return null;
        }
    }

    /// <summary>Upstream's MarkPodsNotReady: pods on a node that is not Ready stop counting as ready endpoints.</summary>
    private async Task MarkPodsNotReadyAsync(V1Node node, DateTime now, CancellationToken cancellationToken)
    {
        foreach (var pod in _pods.Cache.ByIndex(TaintEvictionController.NodeIndex, node.Metadata.Name))
        {
            if (pod.Status?.Phase is "Succeeded" or "Failed"
                || pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status != "True")
            {
                continue;
            }

            var condition = new V1PodCondition { Type = "Ready", Status = "False", LastTransitionTime = now };
            if (await PodStatusWrites.SetAsync(_context.Client, pod, condition, null, null, cancellationToken).ConfigureAwait(false))
            {
                _context.Events.Warning(Component, pod, "NodeNotReady", "Node is not ready");
            }
        }
    }

    private static DateTimeOffset Utc(DateTime t) =>
        new(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime());

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "node {Node} stopped posting status (never posted: {NeverPosted}); marked Unknown")]
        public static partial void NodeUnknown(ILogger logger, string node, bool neverPosted);

        [LoggerMessage(Level = LogLevel.Warning, Message = "monitoring node {Node} failed; retrying next period")]
        public static partial void MonitorFailed(ILogger logger, string node, Exception error);
    }
}

using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler.Plugins;

/// <summary>NodePorts: the host ports a pod asks for must be free on the node (same protocol and port, overlapping IP).</summary>
public sealed class NodePorts : IPreFilterPlugin, IFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "NodePorts";
    public const string ErrReason = "node(s) didn't have free ports for the requested pod ports";

    private static readonly Status RejectedStatus = Status.Unschedulable(ErrReason).WithPlugin(PluginName);

    public string Name => PluginName;

    public Status? PreFilter(CycleState state, PodInfo pod, Snapshot snapshot, out IReadOnlySet<string>? nodeNames)
    {
        nodeNames = null;
        return pod.HostPorts.Count == 0 ? Status.Skip : null;
    }

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        foreach (var want in pod.HostPorts)
        {
            foreach (var used in node.UsedPorts)
            {
                if (want.ConflictsWith(used))
                {
                    return RejectedStatus;
                }
            }
        }

        return null;
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(new ClusterEvent(EventResource.AssignedPod, ActionType.Delete), (pod, o, _) =>
            o is V1Pod deleted && new PodInfo(deleted).HostPorts.Any(p => pod.HostPorts.Any(p.ConflictsWith)) ? QueueingHint.Queue : QueueingHint.Skip),
        new(new ClusterEvent(EventResource.Node, ActionType.Add)),
    ];
}

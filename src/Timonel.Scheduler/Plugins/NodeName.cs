using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler.Plugins;

/// <summary>NodeName: a pod that names its node (spec.nodeName) fits only that node.</summary>
public sealed class NodeName : IPreFilterPlugin, IFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "NodeName";
    public const string ErrReason = "node(s) didn't match the requested node name";

    private static readonly Status RejectedStatus = Status.Unresolvable(ErrReason).WithPlugin(PluginName);

    public string Name => PluginName;

    public Status? PreFilter(CycleState state, PodInfo pod, Snapshot snapshot, out IReadOnlySet<string>? nodeNames)
    {
        nodeNames = null;
        if (pod.NodeName.Length == 0)
        {
            return Status.Skip;
        }

        nodeNames = new HashSet<string>(StringComparer.Ordinal) { pod.NodeName };
        return null;
    }

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo node) =>
        pod.NodeName.Length == 0 || pod.NodeName == node.Name ? null : RejectedStatus;

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() => [new(new ClusterEvent(EventResource.Node, ActionType.Add))];
}

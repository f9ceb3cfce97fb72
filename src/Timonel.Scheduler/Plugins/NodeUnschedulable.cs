using k8s.Models;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler.Plugins;

/// <summary>NodeUnschedulable: cordoned nodes (spec.unschedulable) take only pods tolerating node.kubernetes.io/unschedulable:NoSchedule.</summary>
public sealed class NodeUnschedulable : IFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "NodeUnschedulable";
    public const string ErrReasonUnschedulable = "node(s) were unschedulable";
    public const string ErrReasonUnknownCondition = "node(s) had unknown conditions";

    private static readonly V1Taint UnschedulableTaint = new() { Key = "node.kubernetes.io/unschedulable", Effect = "NoSchedule" };

    private static readonly Status RejectedUnknownCondition = Status.Unresolvable(ErrReasonUnknownCondition).WithPlugin(PluginName);
    private static readonly Status RejectedUnschedulable = Status.Unresolvable(ErrReasonUnschedulable).WithPlugin(PluginName);

    public string Name => PluginName;

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        if (node.Node is null)
        {
            return RejectedUnknownCondition;
        }

        if (!node.Unschedulable || Tolerations.AnyTolerates(pod.Pod.Spec?.Tolerations, UnschedulableTaint))
        {
            return null;
        }

        return RejectedUnschedulable;
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(new ClusterEvent(EventResource.Node, ActionType.Add | ActionType.UpdateNodeTaint | ActionType.UpdateOther), (_, _, n) =>
            n is V1Node node && node.Spec?.Unschedulable != true ? QueueingHint.Queue : QueueingHint.Skip),
    ];
}

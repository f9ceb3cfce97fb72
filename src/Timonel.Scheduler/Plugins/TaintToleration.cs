using k8s.Models;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler.Plugins;

/// <summary>
/// TaintToleration: a node's NoSchedule/NoExecute taints must be tolerated (Filter); fewer
/// untolerated PreferNoSchedule taints score higher (Score).
/// </summary>
public sealed class TaintToleration : IFilterPlugin, IPreScorePlugin, INormalizeScorePlugin, IEnqueueExtensions
{
    public const string PluginName = "TaintToleration";
    private const string StateKey = "PreScore" + PluginName;

    public string Name => PluginName;

    public static string ErrReason(V1Taint taint) => $"node(s) had untolerated taint {{{taint.Key}: {taint.Value}}}";

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        if (node.Taints.Count == 0)
        {
            return null;
        }

        var taint = Tolerations.FirstUntolerated(node.Taints, pod.Pod.Spec?.Tolerations, "NoSchedule", "NoExecute");
        return taint is null ? null : Status.Unresolvable(ErrReason(taint));
    }

    public Status? PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes)
    {
        var preferNoSchedule = (pod.Pod.Spec?.Tolerations ?? []).Where(t => string.IsNullOrEmpty(t.Effect) || t.Effect == "PreferNoSchedule").ToList();
        state.Write(StateKey, preferNoSchedule);
        return null;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        if (node.Taints.Count == 0)
        {
            return 0;
        }

        var tolerations = state.Read<List<V1Toleration>>(StateKey);
        long count = 0;
        foreach (var taint in node.Taints)
        {
            if (taint.Effect == "PreferNoSchedule" && !Tolerations.AnyTolerates(tolerations, taint))
            {
                count++;
            }
        }

        return count;
    }

    public void NormalizeScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Span<long> scores) => ScoreNormalization.Default(scores, reverse: true);

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(new ClusterEvent(EventResource.Node, ActionType.Add | ActionType.UpdateNodeTaint), (pod, _, n) =>
            n is V1Node node && Tolerations.FirstUntolerated(node.Spec?.Taints?.ToList() ?? [], pod.Pod.Spec?.Tolerations, "NoSchedule", "NoExecute") is null
                ? QueueingHint.Queue
                : QueueingHint.Skip),
        new(new ClusterEvent(EventResource.UnscheduledPod, ActionType.UpdatePodToleration)),
    ];
}

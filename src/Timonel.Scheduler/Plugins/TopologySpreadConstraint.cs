using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins;

/// <summary>A compiled topology spread constraint (upstream's topologySpreadConstraint).</summary>
public sealed record TopologySpreadConstraint(
    int MaxSkew,
    string TopologyKey,
    bool DoNotSchedule,
    LabelSelector Selector,
    int MinDomains,
    bool HonorNodeAffinity,
    bool HonorNodeTaints)
{
    /// <summary>Compiles <paramref name="c"/>; an invalid label selector throws ApiException (upstream's LabelSelectorAsSelector error).</summary>
    public static TopologySpreadConstraint From(V1TopologySpreadConstraint c, V1Pod pod)
    {
        var extra = c.MatchLabelKeys is { Count: > 0 } keys && pod.Metadata?.Labels is { } labels
            ? keys.Where(labels.ContainsKey).Select(k => new KeyValuePair<string, string>(k, labels[k])).ToList()
            : null;
        return new TopologySpreadConstraint(
            c.MaxSkew,
            c.TopologyKey,
            c.WhenUnsatisfiable != "ScheduleAnyway",
            LabelSelector.From(c.LabelSelector, extra),
            c.MinDomains ?? 1,
            c.NodeAffinityPolicy != "Ignore",
            c.NodeTaintsPolicy == "Honor");
    }

    /// <summary>Whether <paramref name="node"/> counts for this constraint (node inclusion policies); <paramref name="requiredAffinity"/> is the pod's compiled node affinity.</summary>
    public bool IncludesNode(PodInfo pod, NodeInfo node, Func<V1Node, bool> requiredAffinity) =>
        node.Node is not null
        && (!HonorNodeAffinity || requiredAffinity(node.Node))
        && (!HonorNodeTaints || Tolerations.FirstUntolerated(node.Taints, pod.Pod.Spec?.Tolerations, "NoSchedule", "NoExecute") is null);

    /// <summary>The pods on the node this constraint counts: same namespace, selected, not terminating.</summary>
    public int CountMatching(NodeInfo node, string ns)
    {
        var n = 0;
        var pods = node.Pods;
        for (var i = 0; i < pods.Count; i++)
        {
            var p = pods[i];
            if (p.Namespace == ns && p.Pod.Metadata?.DeletionTimestamp is null && Selector.Matches(p.Labels))
            {
                n++;
            }
        }

        return n;
    }
}

using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler.Plugins;

/// <summary>
/// NodeAffinity: spec.nodeSelector and required node affinity must match the node (Filter);
/// matching preferred terms add their weights (Score).
/// </summary>
public sealed class NodeAffinity : IPreFilterPlugin, IFilterPlugin, IPreScorePlugin, INormalizeScorePlugin, IEnqueueExtensions
{
    public const string PluginName = "NodeAffinity";
    public const string ErrReasonPod = "node(s) didn't match Pod's node affinity/selector";
    private const string FilterKey = "PreFilter" + PluginName;
    private const string ScoreKey = "PreScore" + PluginName;

    private static readonly Status RejectedPod = Status.Unresolvable(ErrReasonPod).WithPlugin(PluginName);

    public string Name => PluginName;

    /// <summary>Whether the pod's nodeSelector and required node affinity allow <paramref name="node"/> (also used by topology spread).</summary>
    public static bool RequiredMatches(V1Pod pod, V1Node node) => RequiredNodeAffinity.Of(pod.Spec).Matches(node);

    /// <summary>The pod's nodeSelector and required node affinity compiled once, for callers that test many nodes.</summary>
    public static Func<V1Node, bool> RequiredMatcher(V1Pod pod)
    {
        var required = RequiredNodeAffinity.Of(pod.Spec);
        return required.IsEmpty ? static _ => true : required.Matches;
    }

    public Status? PreFilter(CycleState state, PodInfo pod, Snapshot snapshot, out IReadOnlySet<string>? nodeNames)
    {
        nodeNames = null;
        var required = RequiredNodeAffinity.Of(pod.Pod.Spec);
        if (required.IsEmpty)
        {
            return Status.Skip;
        }

        state.Write(FilterKey, required);
        nodeNames = NodeNamesFromMatchFields(pod.Pod);
        return null;
    }

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        var required = state.Read<RequiredNodeAffinity>(FilterKey) ?? RequiredNodeAffinity.Of(pod.Pod.Spec);
        return node.Node is not null && required.Matches(node.Node) ? null : RejectedPod;
    }

    public Status? PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes)
    {
        var preferred = pod.Pod.Spec?.Affinity?.NodeAffinity?.PreferredDuringSchedulingIgnoredDuringExecution;
        if (preferred is null || preferred.Count == 0)
        {
            return Status.Skip;
        }

        state.Write(ScoreKey, preferred.Where(p => p.Weight != 0).Select(p => (NodeSelectorMatcher.FromTerm(p.Preference), (long)p.Weight)).ToList());
        return null;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        var terms = state.Read<List<(NodeSelectorMatcher Matcher, long Weight)>>(ScoreKey);
        long score = 0;
        if (terms is null || node.Node is null)
        {
            return 0;
        }

        foreach (var (matcher, weight) in terms)
        {
            if (matcher.Matches(node.Node))
            {
                score += weight;
            }
        }

        return score;
    }

    public void NormalizeScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Span<long> scores) => ScoreNormalization.Default(scores, reverse: false);

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(new ClusterEvent(EventResource.Node, ActionType.Add | ActionType.UpdateNodeLabel), (pod, _, n) =>
            n is V1Node node && RequiredMatches(pod.Pod, node) ? QueueingHint.Queue : QueueingHint.Skip),
        new(new ClusterEvent(EventResource.UnscheduledPod, ActionType.UpdateOther)),
    ];

    /// <summary>When every required term pins metadata.name In [...], only those nodes need filtering (upstream's PreFilterResult).</summary>
    private static HashSet<string>? NodeNamesFromMatchFields(V1Pod pod)
    {
        var terms = pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms;
        if (terms is null || terms.Count == 0)
        {
            return null;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in terms)
        {
            var pinned = t.MatchFields?.FirstOrDefault(f => f.Key == "metadata.name" && f.OperatorProperty == "In");
            if (pinned is null)
            {
                return null;
            }

            names.UnionWith(pinned.Values ?? []);
        }

        return names;
    }
}

using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler.Plugins;

/// <summary>
/// InterPodAffinity: required pod affinity and anti-affinity of the incoming pod, and the required
/// anti-affinity of pods already running, per topology domain (Filter); preferred terms of both
/// sides, plus existing pods' required affinity at weight 1, score topology domains (Score).
/// </summary>
public sealed class InterPodAffinity(PluginHandle handle) : IPreFilterExtensions, IFilterPlugin, IPreScorePlugin, INormalizeScorePlugin, IEnqueueExtensions
{
    public const string PluginName = "InterPodAffinity";
    public const string ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";
    public const string ErrReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
    public const string ErrReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";
    private const string FilterKey = "PreFilter" + PluginName;
    private const string ScoreKey = "PreScore" + PluginName;

    /// <summary>Upstream's hardPodAffinityWeight default.</summary>
    public const long HardPodAffinityWeight = 1;

    private static readonly Status RejectedExistingAntiAffinityRulesNotMatch = Status.Unschedulable(ErrReasonExistingAntiAffinityRulesNotMatch).WithPlugin(PluginName);
    private static readonly Status RejectedAntiAffinityRulesNotMatch = Status.Unschedulable(ErrReasonAntiAffinityRulesNotMatch).WithPlugin(PluginName);
    private static readonly Status RejectedAffinityRulesNotMatch = Status.Unresolvable(ErrReasonAffinityRulesNotMatch).WithPlugin(PluginName);

    public string Name => PluginName;

    public Status? PreFilter(CycleState state, PodInfo pod, Snapshot snapshot, out IReadOnlySet<string>? nodeNames)
    {
        nodeNames = null;
        if (pod.ParseError is { } parseError)
        {
            return Status.Unresolvable($"parsing pod: {parseError}").WithPlugin(PluginName);
        }

        var ns = handle.Listers.NamespaceLabels;
        if (pod.RequiredAffinityTerms.Count == 0 && pod.RequiredAntiAffinityTerms.Count == 0 && snapshot.HavePodsWithRequiredAntiAffinity.Count == 0)
        {
            return Status.Skip;
        }

        var s = new FilterState();
        foreach (var node in snapshot.HavePodsWithRequiredAntiAffinity)
        {
            var withAnti = node.PodsWithRequiredAntiAffinity;
            for (var i = 0; i < withAnti.Count; i++)
            {
                s.UpdateExisting(withAnti[i], pod, node, ns, 1);
            }
        }

        if (pod.RequiredAffinityTerms.Count > 0 || pod.RequiredAntiAffinityTerms.Count > 0)
        {
            foreach (var node in snapshot.Nodes)
            {
                var pods = node.Pods;
                for (var i = 0; i < pods.Count; i++)
                {
                    s.UpdateIncoming(pod, pods[i], node, ns, 1);
                }
            }
        }

        state.Write(FilterKey, s);
        return null;
    }

    public void AddPod(CycleState state, PodInfo podToSchedule, PodInfo podToAdd, NodeInfo node) => Update(state, podToSchedule, podToAdd, node, 1);

    public void RemovePod(CycleState state, PodInfo podToSchedule, PodInfo podToRemove, NodeInfo node) => Update(state, podToSchedule, podToRemove, node, -1);

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        var s = state.Read<FilterState>(FilterKey);
        if (s is null)
        {
            return null;
        }

        if (s.ExistingAntiAffinity.Count > 0 && ViolatesExistingAntiAffinity(s.ExistingAntiAffinity, node.Labels))
        {
            return RejectedExistingAntiAffinityRulesNotMatch;
        }

        for (var i = 0; i < pod.RequiredAntiAffinityTerms.Count; i++)
        {
            var term = pod.RequiredAntiAffinityTerms[i];
            if (node.Labels.TryGetValue(term.TopologyKey, out var v) && s.AntiAffinity.TryGetValue((term.TopologyKey, v), out var c) && c > 0)
            {
                return RejectedAntiAffinityRulesNotMatch;
            }
        }

        if (pod.RequiredAffinityTerms.Count > 0 && !SatisfiesAffinity(s, pod, node))
        {
            return RejectedAffinityRulesNotMatch;
        }

        return null;
    }

    public Status? PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes)
    {
        var snapshot = handle.Snapshot;
        var hasPreferred = pod.PreferredAffinityTerms.Count > 0 || pod.PreferredAntiAffinityTerms.Count > 0;
        if (!hasPreferred && snapshot.HavePodsWithAffinity.Count == 0)
        {
            return Status.Skip;
        }

        var ns = handle.Listers.NamespaceLabels;
        var scores = new Dictionary<(string, string), long>();
        foreach (var node in hasPreferred ? snapshot.Nodes : snapshot.HavePodsWithAffinity)
        {
            foreach (var existing in hasPreferred ? node.Pods : node.PodsWithAffinity)
            {
                Accumulate(scores, pod.PreferredAffinityTerms, existing, node, ns, 1, p => p.Weight);
                Accumulate(scores, pod.PreferredAntiAffinityTerms, existing, node, ns, -1, p => p.Weight);
                Accumulate(scores, existing.RequiredAffinityTerms, pod, node, ns, 1, _ => HardPodAffinityWeight);
                Accumulate(scores, existing.PreferredAffinityTerms, pod, node, ns, 1, p => p.Weight);
                Accumulate(scores, existing.PreferredAntiAffinityTerms, pod, node, ns, -1, p => p.Weight);
            }
        }

        if (scores.Count == 0)
        {
            return Status.Skip;
        }

        state.Write(ScoreKey, scores);
        return null;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        var scores = state.Read<Dictionary<(string, string), long>>(ScoreKey);
        if (scores is null)
        {
            return 0;
        }

        long total = 0;
        foreach (var (key, value) in node.Labels)
        {
            if (scores.TryGetValue((key, value), out var s))
            {
                total += s;
            }
        }

        return total;
    }

    public void NormalizeScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Span<long> scores)
    {
        if (scores.Length == 0)
        {
            return;
        }

        long min = long.MaxValue;
        long max = long.MinValue;
        foreach (var v in scores)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        var diff = max - min;
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = diff > 0 ? IScorePlugin.MaxNodeScore * (scores[i] - min) / diff : 0;
        }
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(new ClusterEvent(EventResource.AssignedPod, ActionType.All)),
        new(new ClusterEvent(EventResource.Node, ActionType.Add | ActionType.UpdateNodeLabel)),
        new(new ClusterEvent(EventResource.UnscheduledPod, ActionType.UpdatePodLabel)),
    ];

    /// <summary>Whether any of the node's (key, value) labels is a domain where an existing pod's anti-affinity selects the incoming pod.</summary>
    private static bool ViolatesExistingAntiAffinity(Dictionary<(string, string), int> counts, IDictionary<string, string> labels)
    {
        // Walk whichever side is smaller: a few counted domains, or the node's handful of labels.
        if (counts.Count <= labels.Count)
        {
            foreach (var ((key, value), c) in counts)
            {
                if (c > 0 && labels.TryGetValue(key, out var v) && v == value)
                {
                    return true;
                }
            }

            return false;
        }

        if (labels is Dictionary<string, string> d)
        {
            foreach (var (key, value) in d)
            {
                if (counts.TryGetValue((key, value), out var c) && c > 0)
                {
                    return true;
                }
            }

            return false;
        }

        return labels.Any(kv => counts.TryGetValue((kv.Key, kv.Value), out var c) && c > 0);
    }

    private static bool SatisfiesAffinity(FilterState s, PodInfo pod, NodeInfo node)
    {
        var all = true;
        foreach (var term in pod.RequiredAffinityTerms)
        {
            if (!node.Labels.TryGetValue(term.TopologyKey, out var v) || !s.Affinity.TryGetValue((term.TopologyKey, v), out var c) || c <= 0)
            {
                all = false;
                break;
            }
        }

        if (all)
        {
            return true;
        }

        // No pod anywhere matches the terms: the first pod of a group that selects itself may go
        // to any node carrying the topology keys (upstream's special case).
        if (s.Affinity.Values.All(c => c <= 0) && pod.RequiredAffinityTerms.All(t => t.Selector.Matches(pod.Labels) && t.Namespaces.Contains(pod.Namespace)))
        {
            return pod.RequiredAffinityTerms.All(t => node.Labels.ContainsKey(t.TopologyKey));
        }

        return false;
    }

    private static void Accumulate(Dictionary<(string, string), long> scores, IReadOnlyList<AffinityTerm> terms, PodInfo target, NodeInfo node, NamespaceLabels ns, long sign, Func<AffinityTerm, long> weight)
    {
        foreach (var term in terms)
        {
            if (node.Labels.TryGetValue(term.TopologyKey, out var v) && term.Matches(target, ns))
            {
                scores[(term.TopologyKey, v)] = scores.GetValueOrDefault((term.TopologyKey, v)) + (sign * weight(term));
            }
        }
    }

    private void Update(CycleState state, PodInfo incoming, PodInfo other, NodeInfo node, int delta)
    {
        if (state.Read<FilterState>(FilterKey) is not { } s)
        {
            return;
        }

        var ns = handle.Listers.NamespaceLabels;
        s.UpdateExisting(other, incoming, node, ns, delta);
        s.UpdateIncoming(incoming, other, node, ns, delta);
    }

    /// <summary>Counts per (topology key, value) computed in PreFilter.</summary>
    private sealed class FilterState : ICloneableState
    {
        public Dictionary<(string, string), int> ExistingAntiAffinity { get; private init; } = [];

        public Dictionary<(string, string), int> Affinity { get; private init; } = [];

        public Dictionary<(string, string), int> AntiAffinity { get; private init; } = [];

        /// <summary>Counts <paramref name="existing"/>'s required anti-affinity terms that select the incoming pod.</summary>
        public void UpdateExisting(PodInfo existing, PodInfo incoming, NodeInfo node, NamespaceLabels ns, int delta)
        {
            var terms = existing.RequiredAntiAffinityTerms;
            for (var i = 0; i < terms.Count; i++)
            {
                var term = terms[i];
                if (node.Labels.TryGetValue(term.TopologyKey, out var v) && term.Matches(incoming, ns))
                {
                    ExistingAntiAffinity[(term.TopologyKey, v)] = ExistingAntiAffinity.GetValueOrDefault((term.TopologyKey, v)) + delta;
                }
            }
        }

        /// <summary>Counts the incoming pod's required terms that <paramref name="existing"/> satisfies (affinity: all terms).</summary>
        public void UpdateIncoming(PodInfo incoming, PodInfo existing, NodeInfo node, NamespaceLabels ns, int delta)
        {
            if (incoming.RequiredAffinityTerms.Count > 0 && incoming.RequiredAffinityTerms.All(t => t.Matches(existing, ns)))
            {
                foreach (var term in incoming.RequiredAffinityTerms)
                {
                    if (node.Labels.TryGetValue(term.TopologyKey, out var v))
                    {
                        Affinity[(term.TopologyKey, v)] = Affinity.GetValueOrDefault((term.TopologyKey, v)) + delta;
                    }
                }
            }

            var anti = incoming.RequiredAntiAffinityTerms;
            for (var i = 0; i < anti.Count; i++)
            {
                var term = anti[i];
                if (node.Labels.TryGetValue(term.TopologyKey, out var v) && term.Matches(existing, ns))
                {
                    AntiAffinity[(term.TopologyKey, v)] = AntiAffinity.GetValueOrDefault((term.TopologyKey, v)) + delta;
                }
            }
        }

        public object Clone() => new FilterState
        {
            ExistingAntiAffinity = new(ExistingAntiAffinity),
            Affinity = new(Affinity),
            AntiAffinity = new(AntiAffinity),
        };
    }
}

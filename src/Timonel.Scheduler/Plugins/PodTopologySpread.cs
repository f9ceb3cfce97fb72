using System.Text.Json;
using k8s.Models;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler.Plugins;

/// <summary>
/// PodTopologySpread: DoNotSchedule constraints bound the skew (matching pods in the node's domain
/// + the pod − the least loaded domain, counted as 0 while fewer than minDomains domains exist)
/// (Filter); ScheduleAnyway constraints, or the default constraints for pods without any, prefer
/// less loaded domains (Score).
/// </summary>
public sealed class PodTopologySpread : IPreFilterExtensions, IFilterPlugin, IPreScorePlugin, INormalizeScorePlugin, IEnqueueExtensions
{
    public const string PluginName = "PodTopologySpread";
    public const string ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
    public const string ErrReasonNodeLabelNotMatch = ErrReasonConstraintsNotMatch + " (missing required label)";
    private const string FilterKey = "PreFilter" + PluginName;
    private const string ScoreKey = "PreScore" + PluginName;

    private readonly PluginHandle _handle;
    private readonly IReadOnlyList<V1TopologySpreadConstraint> _defaults;

    public PodTopologySpread(PluginHandle handle, IReadOnlyList<V1TopologySpreadConstraint>? defaultConstraints = null)
    {
        _handle = handle;
        _defaults = defaultConstraints ?? SystemDefaults;
    }

    /// <summary>Upstream's system defaults: spread over hostnames (maxSkew 3) and zones (maxSkew 5), ScheduleAnyway.</summary>
    public static IReadOnlyList<V1TopologySpreadConstraint> SystemDefaults { get; } =
    [
        new() { TopologyKey = "kubernetes.io/hostname", MaxSkew = 3, WhenUnsatisfiable = "ScheduleAnyway" },
        new() { TopologyKey = "topology.kubernetes.io/zone", MaxSkew = 5, WhenUnsatisfiable = "ScheduleAnyway" },
    ];

    private static readonly Status RejectedNodeLabelNotMatch = Status.Unresolvable(ErrReasonNodeLabelNotMatch).WithPlugin(PluginName);
    private static readonly Status RejectedConstraintsNotMatch = Status.Unschedulable(ErrReasonConstraintsNotMatch).WithPlugin(PluginName);

    public string Name => PluginName;

    public static PodTopologySpread FromArgs(JsonElement? args, PluginHandle handle)
    {
        if (args is { ValueKind: JsonValueKind.Object } a)
        {
            var type = a.TryGetProperty("defaultingType", out var t) ? t.GetString() : null;
            if (a.TryGetProperty("defaultConstraints", out var dc) && dc.ValueKind == JsonValueKind.Array)
            {
                var list = k8s.KubernetesJson.Deserialize<List<V1TopologySpreadConstraint>>(dc.GetRawText()) ?? [];
                return new PodTopologySpread(handle, list);
            }

            if (type == "List")
            {
                return new PodTopologySpread(handle, []);
            }
        }

        return new PodTopologySpread(handle);
    }

    public Status? PreFilter(CycleState state, PodInfo pod, Snapshot snapshot, out IReadOnlySet<string>? nodeNames)
    {
        nodeNames = null;
        TopologySpreadConstraint[] constraints;
        try
        {
            constraints = (pod.Pod.Spec?.TopologySpreadConstraints ?? [])
                .Where(c => c.WhenUnsatisfiable != "ScheduleAnyway")
                .Select(c => TopologySpreadConstraint.From(c, pod.Pod)).ToArray();
        }
        catch (ApiException e)
        {
            return Status.Error($"obtaining pod's hard topology spread constraints: {e.Message}").WithPlugin(PluginName);
        }

        if (constraints.Length == 0)
        {
            return Status.Skip;
        }

        var s = new FilterState(constraints);
        var affinity = NodeAffinity.RequiredMatcher(pod.Pod);
        var nodes = snapshot.Nodes;
        for (var n = 0; n < nodes.Count; n++)
        {
            var node = nodes[n];
            if (!HasAllKeys(constraints, node))
            {
                continue;
            }

            for (var i = 0; i < constraints.Length; i++)
            {
                var c = constraints[i];
                if (!c.IncludesNode(pod, node, affinity))
                {
                    continue;
                }

                var key = (c.TopologyKey, node.Labels[c.TopologyKey]);
                s.Counts[key] = s.Counts.GetValueOrDefault(key) + c.CountMatching(node, pod.Namespace);
            }
        }

        s.Recompute();
        state.Write(FilterKey, s);
        return null;
    }

    public void AddPod(CycleState state, PodInfo podToSchedule, PodInfo podToAdd, NodeInfo node) => Update(state, podToSchedule, podToAdd, node, 1);

    public void RemovePod(CycleState state, PodInfo podToSchedule, PodInfo podToRemove, NodeInfo node) => Update(state, podToSchedule, podToRemove, node, -1);

    public Status? Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        if (state.Read<FilterState>(FilterKey) is not { } s)
        {
            return null;
        }

        foreach (var c in s.Constraints)
        {
            if (!node.Labels.TryGetValue(c.TopologyKey, out var value))
            {
                return RejectedNodeLabelNotMatch;
            }

            var selfMatch = c.Selector.Matches(pod.Labels) ? 1 : 0;
            var (min, domains) = s.MinAndDomains(c.TopologyKey);
            if (domains < c.MinDomains)
            {
                min = 0;
            }

            var matching = s.Counts.GetValueOrDefault((c.TopologyKey, value));
            if (matching + selfMatch - min > c.MaxSkew)
            {
                return RejectedConstraintsNotMatch;
            }
        }

        return null;
    }

    public Status? PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes)
    {
        TopologySpreadConstraint[] constraints;
        try
        {
            constraints = ScoringConstraints(pod);
        }
        catch (ApiException e)
        {
            return Status.Error($"obtaining pod's soft topology spread constraints: {e.Message}").WithPlugin(PluginName);
        }

        if (constraints.Length == 0)
        {
            return Status.Skip;
        }

        var s = new ScoreState(constraints);
        var affinity = NodeAffinity.RequiredMatcher(pod.Pod);
        var feasibleHosts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in nodes)
        {
            if (!HasAllKeys(constraints, n))
            {
                s.Ignored.Add(n.Name);
                continue;
            }

            feasibleHosts.Add(n.Name);
            foreach (var c in constraints)
            {
                s.Counts.TryAdd((c.TopologyKey, n.Labels[c.TopologyKey]), 0);
            }
        }

        // Count over all nodes for zone-like keys; only feasible nodes for the hostname key (as upstream).
        foreach (var node in _handle.Snapshot.Nodes)
        {
            foreach (var c in constraints)
            {
                if (!node.Labels.TryGetValue(c.TopologyKey, out var v) || !s.Counts.ContainsKey((c.TopologyKey, v)) || !c.IncludesNode(pod, node, affinity))
                {
                    continue;
                }

                if (c.TopologyKey == "kubernetes.io/hostname" && !feasibleHosts.Contains(node.Name))
                {
                    continue;
                }

                s.Counts[(c.TopologyKey, v)] += c.CountMatching(node, pod.Namespace);
            }
        }

        foreach (var c in constraints)
        {
            var domains = s.Counts.Keys.Count(k => k.Item1 == c.TopologyKey);
            s.Weights.Add(Math.Log(domains + 2));
        }

        state.Write(ScoreKey, s);
        return null;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        if (state.Read<ScoreState>(ScoreKey) is not { } s || s.Ignored.Contains(node.Name))
        {
            return 0;
        }

        double score = 0;
        for (var i = 0; i < s.Constraints.Length; i++)
        {
            var c = s.Constraints[i];
            if (node.Labels.TryGetValue(c.TopologyKey, out var v))
            {
                score += (s.Counts.GetValueOrDefault((c.TopologyKey, v)) + c.MaxSkew - 1) * s.Weights[i];
            }
        }

        return (long)Math.Round(score);
    }

    public void NormalizeScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Span<long> scores)
    {
        if (state.Read<ScoreState>(ScoreKey) is not { } s)
        {
            return;
        }

        long min = long.MaxValue;
        long max = long.MinValue;
        for (var i = 0; i < scores.Length; i++)
        {
            if (s.Ignored.Contains(nodes[i].Name))
            {
                continue;
            }

            min = Math.Min(min, scores[i]);
            max = Math.Max(max, scores[i]);
        }

        for (var i = 0; i < scores.Length; i++)
        {
            if (s.Ignored.Contains(nodes[i].Name))
            {
                scores[i] = 0;
            }
            else if (max == 0)
            {
                scores[i] = IScorePlugin.MaxNodeScore;
            }
            else
            {
                scores[i] = IScorePlugin.MaxNodeScore * (max + min - scores[i]) / max;
            }
        }
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() =>
    [
        new(new ClusterEvent(EventResource.AssignedPod, ActionType.All)),
        new(new ClusterEvent(EventResource.Node, ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint)),
        new(new ClusterEvent(EventResource.UnscheduledPod, ActionType.UpdatePodLabel)),
    ];

    /// <summary>
    /// The pod's ScheduleAnyway constraints; a pod with no constraints at all gets the default ones,
    /// selecting its siblings when a controller owns it (upstream derives the selector from the
    /// Services and ReplicaSets that select the pod; the pod's own labels approximate that).
    /// </summary>
    private TopologySpreadConstraint[] ScoringConstraints(PodInfo pod)
    {
        var own = pod.Pod.Spec?.TopologySpreadConstraints;
        if (own is { Count: > 0 })
        {
            return [.. own.Where(c => c.WhenUnsatisfiable == "ScheduleAnyway").Select(c => TopologySpreadConstraint.From(c, pod.Pod))];
        }

        if (_defaults.Count == 0 || pod.Labels.Count == 0 || pod.Pod.Metadata?.OwnerReferences?.Any(o => o.Controller == true) != true)
        {
            return [];
        }

        var selector = LabelSelector.FromSet(pod.Labels);
        return [.. _defaults.Select(c => TopologySpreadConstraint.From(c, pod.Pod) with { Selector = c.LabelSelector is null ? selector : LabelSelector.From(c.LabelSelector) })];
    }

    private static bool HasAllKeys(TopologySpreadConstraint[] constraints, NodeInfo node)
    {
        foreach (var c in constraints)
        {
            if (!node.Labels.ContainsKey(c.TopologyKey))
            {
                return false;
            }
        }

        return true;
    }

    private void Update(CycleState state, PodInfo incoming, PodInfo other, NodeInfo node, int delta)
    {
        if (state.Read<FilterState>(FilterKey) is not { } s || other.Namespace != incoming.Namespace)
        {
            return;
        }

        if (!HasAllKeys(s.Constraints, node))
        {
            return;
        }

        var affinity = NodeAffinity.RequiredMatcher(incoming.Pod);
        foreach (var c in s.Constraints)
        {
            if (c.IncludesNode(incoming, node, affinity) && c.Selector.Matches(other.Labels))
            {
                var key = (c.TopologyKey, node.Labels[c.TopologyKey]);
                s.Counts[key] = s.Counts.GetValueOrDefault(key) + delta;
            }
        }

        s.Recompute();
    }

    private sealed class FilterState(TopologySpreadConstraint[] constraints) : ICloneableState
    {
        public TopologySpreadConstraint[] Constraints { get; } = constraints;

        /// <summary>Matching pods per (topology key, value); every eligible domain has an entry.</summary>
        public Dictionary<(string Key, string Value), int> Counts { get; private init; } = [];

        private Dictionary<string, (int Min, int Domains)> Summary { get; set; } = new(StringComparer.Ordinal);

        public (int Min, int Domains) MinAndDomains(string key) => Summary.GetValueOrDefault(key);

        /// <summary>Refreshes the per-key minimum and domain count after the counts change.</summary>
        public void Recompute()
        {
            var summary = new Dictionary<string, (int Min, int Domains)>(StringComparer.Ordinal);
            foreach (var (k, v) in Counts)
            {
                summary[k.Key] = summary.TryGetValue(k.Key, out var cur) ? (Math.Min(cur.Min, v), cur.Domains + 1) : (v, 1);
            }

            Summary = summary;
        }

        public object Clone() => new FilterState(Constraints) { Counts = new(Counts), Summary = new(Summary) };
    }

    private sealed class ScoreState(TopologySpreadConstraint[] constraints)
    {
        public TopologySpreadConstraint[] Constraints { get; } = constraints;

        public Dictionary<(string Key, string Value), long> Counts { get; } = [];

        public HashSet<string> Ignored { get; } = new(StringComparer.Ordinal);

        public List<double> Weights { get; } = [];
    }
}

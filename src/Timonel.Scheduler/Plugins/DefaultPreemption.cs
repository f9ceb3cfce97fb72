using k8s.Models;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler.Plugins;

/// <summary>
/// DefaultPreemption: when no node fits, find nodes where evicting lower-priority pods makes the
/// pod fit, keeping back as many of them as still allows it (PodDisruptionBudget-violating ones
/// first); choose the node with the fewest PDB violations, then the lowest highest-victim priority,
/// the smallest priority sum, the fewest victims; delete the victims and nominate the node.
/// </summary>
public sealed class DefaultPreemption(PluginHandle handle) : IPostFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "DefaultPreemption";
    public const string NotHelpful = "Preemption is not helpful for scheduling";
    public const string NoVictims = "No preemption victims found for incoming pod";

    public string Name => PluginName;

    public async Task<PostFilterResult> PostFilterAsync(CycleState state, PodInfo pod, IReadOnlyDictionary<string, Status> filteredNodeStatuses, CancellationToken cancellationToken)
    {
        var snapshot = handle.Snapshot;
        var fwk = handle.Framework ?? throw new InvalidOperationException("the preemption plugin has no framework");
        if (pod.Pod.Spec?.PreemptionPolicy == "Never")
        {
            return new PostFilterResult(Status.Unresolvable("preemption: not eligible due to preemptionPolicy=Never."));
        }

        var reasons = new List<string>();
        var candidates = new List<Candidate>();
        foreach (var node in snapshot.Nodes)
        {
            var status = filteredNodeStatuses.GetValueOrDefault(node.Name);
            if (status is null || status.Code == StatusCode.UnschedulableAndUnresolvable)
            {
                // Nodes that passed Filter (pod fit elsewhere is impossible here) or cannot be helped.
                reasons.Add(NotHelpful);
                continue;
            }

            var candidate = SelectVictims(fwk, state, pod, node);
            if (candidate is null)
            {
                reasons.Add(NoVictims);
                continue;
            }

            candidates.Add(candidate);
        }

        if (candidates.Count == 0)
        {
            return new PostFilterResult(Status.Unschedulable($"preemption: 0/{snapshot.NumNodes} nodes are available: {FitError.Histogram(reasons)}."));
        }

        var best = candidates.OrderBy(c => c.PdbViolations)
            .ThenBy(c => c.Victims.Count == 0 ? int.MinValue : c.Victims.Max(v => v.Priority))
            .ThenBy(c => c.Victims.Sum(v => (long)v.Priority + int.MaxValue + 1))
            .ThenBy(c => c.Victims.Count)
            .First();
        foreach (var victim in best.Victims)
        {
            await handle.Client.DeletePodAsync(victim.Pod, pod.Pod, best.Node, cancellationToken).ConfigureAwait(false);
        }

        return new PostFilterResult(Status.Success, best.Node);
    }

    public IReadOnlyList<ClusterEventWithHint> EventsToRegister() => [];

    /// <summary>Upstream's SelectVictimsOnNode: remove all lower-priority pods, then reprieve as many as possible.</summary>
    private Candidate? SelectVictims(Framework.SchedulingFramework fwk, CycleState state, PodInfo pod, NodeInfo original)
    {
        var node = original.Clone();
        var s = state.Clone();
        var lower = node.Pods.Where(p => p.Priority < pod.Priority).ToList();
        if (lower.Count == 0)
        {
            return null;
        }

        foreach (var p in lower)
        {
            node.RemovePod(p.Key);
            fwk.RunPreFilterRemovePod(s, pod, p, node);
        }

        if (fwk.RunFilter(s, pod, node) is not null)
        {
            return null;
        }

        // Most important first: they get the first chance to stay.
        lower.Sort((a, b) => b.Priority != a.Priority ? b.Priority.CompareTo(a.Priority) : StartTime(a).CompareTo(StartTime(b)));
        var (violating, nonViolating) = SplitByPdb(lower);
        var victims = new List<PodInfo>();
        var violations = 0;
        foreach (var (group, isViolating) in new[] { (violating, true), (nonViolating, false) })
        {
            foreach (var p in group)
            {
                node.AddPod(p);
                fwk.RunPreFilterAddPod(s, pod, p, node);
                if (fwk.RunFilter(s, pod, node) is null)
                {
                    continue;
                }

                node.RemovePod(p.Key);
                fwk.RunPreFilterRemovePod(s, pod, p, node);
                victims.Add(p);
                if (isViolating)
                {
                    violations++;
                }
            }
        }

        return new Candidate(original.Name, victims, violations);
    }

    /// <summary>Pods whose eviction would exceed a matching PDB's disruptionsAllowed, and the rest.</summary>
    private (List<PodInfo> Violating, List<PodInfo> NonViolating) SplitByPdb(List<PodInfo> pods)
    {
        var budgets = handle.Listers.DisruptionBudgets.Values.ToList();
        var allowed = budgets.Select(b => b.Status?.DisruptionsAllowed ?? 0).ToArray();
        var violating = new List<PodInfo>();
        var nonViolating = new List<PodInfo>();
        foreach (var p in pods)
        {
            var violates = false;
            for (var i = 0; i < budgets.Count; i++)
            {
                var b = budgets[i];
                if (b.Metadata?.NamespaceProperty != p.Namespace || b.Spec?.Selector is null)
                {
                    continue;
                }

                // Upstream: a budget whose selector is invalid matches no pod.
                if (!TrySelector(b.Spec.Selector, out var selector) || selector.IsEmpty || !selector.Matches(p.Labels) || b.Status?.DisruptedPods?.ContainsKey(p.Name) == true)
                {
                    continue;
                }

                allowed[i]--;
                if (allowed[i] < 0)
                {
                    violates = true;
                }
            }

            (violates ? violating : nonViolating).Add(p);
        }

        return (violating, nonViolating);
    }

    private static bool TrySelector(V1LabelSelector selector, out LabelSelector compiled)
    {
        try
        {
            compiled = LabelSelector.From(selector);
            return true;
        }
        catch (ApiException)
        {
            compiled = LabelSelector.Nothing;
            return false;
        }
    }

    private static DateTime StartTime(PodInfo p) => p.Pod.Status?.StartTime ?? p.Pod.Metadata?.CreationTimestamp ?? DateTime.MaxValue;

    private sealed record Candidate(string Node, List<PodInfo> Victims, int PdbViolations);
}

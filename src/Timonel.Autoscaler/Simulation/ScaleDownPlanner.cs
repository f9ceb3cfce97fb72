using k8s.Models;
using Timonel.Autoscaler.NodeGroups;
using Timonel.Scheduler.Framework;

namespace Timonel.Autoscaler.Simulation;

/// <summary>A node that could go now: its group, its utilization and the pods that would move.</summary>
internal sealed record ScaleDownCandidate(V1Node Node, INodeGroup Group, double Utilization, IReadOnlyList<V1Pod> PodsToMove);

/// <summary>The planner's verdict on one node of a group: a candidate, or why it is needed.</summary>
internal sealed record NodeVerdict(string Node, ScaleDownCandidate? Candidate, string? Reason);

/// <summary>
/// Upstream's unneeded-node search: nodes of a group whose requests use less than the threshold
/// of their allocatable CPU and memory (the larger share counts), whose pods may all be moved and
/// fit, by the scheduler's filters, on the nodes that stay. Nodes are tried least used first; the
/// pods of a chosen node are added to their destinations, so the next node cannot count on the
/// same room.
/// </summary>
internal static class ScaleDownPlanner
{
    public const string ToBeDeletedTaint = "ToBeDeletedByClusterAutoscaler";

    public static IReadOnlyList<NodeVerdict> Plan(
        FitChecker fit,
        INodeGroupProvider provider,
        IReadOnlyList<NodeInfo> cluster,
        IReadOnlyList<V1PodDisruptionBudget> pdbs,
        double threshold)
    {
        var verdicts = new List<NodeVerdict>();
        var ordered = new List<(NodeInfo Info, INodeGroup Group, double Utilization)>();
        foreach (var info in cluster)
        {
            var node = info.Node!;
            if (provider.NodeGroupForNode(node) is not { } group)
            {
                continue;
            }

            if (node.Metadata.Annotations?.TryGetValue(DrainRules.ScaleDownDisabled, out var disabled) == true && disabled == "true")
            {
                verdicts.Add(new NodeVerdict(node.Metadata.Name, null, "ScaleDownDisabledAnnotation"));
                continue;
            }

            if (IsBeingDeleted(node))
            {
                continue;
            }

            var utilization = Utilization(info);
            if (utilization >= threshold)
            {
                verdicts.Add(new NodeVerdict(node.Metadata.Name, null, $"NotUnderutilized ({utilization:0.00} >= {threshold:0.00})"));
                continue;
            }

            ordered.Add((info, group, utilization));
        }

        // Destinations are copies: what the plan places must not leak into the caller's view.
        var destinations = cluster.Select(n => n.Clone()).ToList();
        var allowances = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (info, group, utilization) in ordered.OrderBy(o => o.Utilization).ThenBy(o => o.Info.Name, StringComparer.Ordinal))
        {
            var node = info.Node!;
            var moving = new List<V1Pod>();
            string? blocked = null;
            var trial = new Dictionary<string, int>(allowances, StringComparer.Ordinal);
            foreach (var pod in info.Pods.Select(p => p.Pod).Where(p => DrainRules.IsActive(p) && !DrainRules.StaysWithNode(p)))
            {
                blocked = DrainRules.BlockReason(pod, pdbs, trial);
                if (blocked is not null)
                {
                    break;
                }

                moving.Add(pod);
            }

            if (blocked is null)
            {
                var others = destinations.Where(d => d.Name != info.Name).ToList();
                var placedOn = new List<(NodeInfo Node, PodInfo Pod)>();
                foreach (var pod in moving)
                {
                    var podInfo = new PodInfo(WithoutNode(pod));
                    var target = others.FirstOrDefault(d => fit.Check(podInfo, d, others) is null);
                    if (target is null)
                    {
                        blocked = $"NoPlaceToMovePods (pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} fits no other node)";
                        break;
                    }

                    target.AddPod(podInfo);
                    placedOn.Add((target, podInfo));
                }

                if (blocked is not null)
                {
                    foreach (var (target, podInfo) in placedOn)
                    {
                        target.RemovePod(podInfo.Key);
                    }
                }
            }

            if (blocked is not null)
            {
                verdicts.Add(new NodeVerdict(node.Metadata.Name, null, blocked));
                continue;
            }

            // The node is gone in this plan: later nodes cannot move pods onto it.
            destinations.RemoveAll(d => d.Name == info.Name);
            foreach (var (k, v) in trial)
            {
                allowances[k] = v;
            }

            verdicts.Add(new NodeVerdict(node.Metadata.Name, new ScaleDownCandidate(node, group, utilization, moving), null));
        }

        return verdicts;
    }

    /// <summary>The larger of the CPU and memory shares of allocatable that the node's pods request (upstream's utilization).</summary>
    public static double Utilization(NodeInfo info)
    {
        long cpu = 0, memory = 0;
        foreach (var pod in info.Pods.Select(p => p.Pod))
        {
            if (!DrainRules.IsActive(pod) || pod.Metadata.Annotations?.ContainsKey(DrainRules.MirrorAnnotation) == true)
            {
                continue;
            }

            var requests = PodRequests.Compute(pod.Spec, nonZero: false);
            cpu += requests.MilliCpu;
            memory += requests.Memory;
        }

        var cpuShare = info.Allocatable.MilliCpu > 0 ? (double)cpu / info.Allocatable.MilliCpu : 0;
        var memoryShare = info.Allocatable.Memory > 0 ? (double)memory / info.Allocatable.Memory : 0;
        return Math.Max(cpuShare, memoryShare);
    }

    public static bool IsBeingDeleted(V1Node node) =>
        node.Spec?.Taints?.Any(t => t.Key == ToBeDeletedTaint) == true;

    /// <summary>The pod as it would be re-created: unbound (NodeName and node-specific affinity are what the filters read).</summary>
    private static V1Pod WithoutNode(V1Pod pod) => new()
    {
        ApiVersion = pod.ApiVersion,
        Kind = pod.Kind,
        Metadata = pod.Metadata,
        Spec = new V1PodSpec
        {
            Containers = pod.Spec.Containers,
            InitContainers = pod.Spec.InitContainers,
            Affinity = pod.Spec.Affinity,
            NodeSelector = pod.Spec.NodeSelector,
            Tolerations = pod.Spec.Tolerations,
            TopologySpreadConstraints = pod.Spec.TopologySpreadConstraints,
            Volumes = pod.Spec.Volumes,
            Overhead = pod.Spec.Overhead,
            Priority = pod.Spec.Priority,
            PriorityClassName = pod.Spec.PriorityClassName,
            SchedulerName = pod.Spec.SchedulerName,
        },
    };
}

using k8s.Models;
using Timonel.Scheduler.Framework;

namespace Timonel.Autoscaler.Simulation;

/// <summary>How many new nodes of a group the pending pods need, and which pods they would take.</summary>
internal sealed record Estimate(int NodeCount, IReadOnlyList<PodInfo> Pods, IReadOnlyList<NodeInfo> NewNodes);

/// <summary>
/// Upstream's BinpackingNodeEstimator: pods sorted largest first (CPU and memory shares of the
/// template summed) go, first fit, onto the template nodes opened so far; a pod that fits none
/// opens another while the limit allows; a pod that does not fit an empty template is left out.
/// </summary>
internal static class BinpackingEstimator
{
    public static Estimate Estimate(FitChecker fit, IReadOnlyList<PodInfo> pods, Func<string, V1Node> template, IReadOnlyList<NodeInfo> cluster, int limit, string namePrefix)
    {
        var placed = new List<PodInfo>();
        var opened = new List<NodeInfo>();
        if (limit <= 0 || pods.Count == 0)
        {
            return new Estimate(0, placed, opened);
        }

        var shape = FitChecker.NodeInfoOf(template(namePrefix + "-template"), []);
        var ordered = pods.OrderByDescending(p => Share(p, shape)).ThenBy(p => p.Key, StringComparer.Ordinal).ToList();
        var all = new List<NodeInfo>(cluster);
        foreach (var pod in ordered)
        {
            var target = opened.FirstOrDefault(n => fit.Check(pod, n, all) is null);
            if (target is null && opened.Count < limit)
            {
                var fresh = FitChecker.NodeInfoOf(template($"{namePrefix}-template-{opened.Count}"), []);
                if (fit.Check(pod, fresh, all) is null)
                {
                    opened.Add(fresh);
                    all.Add(fresh);
                    target = fresh;
                }
            }

            if (target is not null)
            {
                target.AddPod(pod);
                placed.Add(pod);
            }
        }

        return new Estimate(opened.Count, placed, opened);
    }

    /// <summary>
    /// Places each pod, first fit, on <paramref name="nodes"/> (changing them) and returns those
    /// that fit nowhere: upstream's filter of pods the cluster can take as it is.
    /// </summary>
    public static List<PodInfo> PlaceOnExisting(FitChecker fit, IReadOnlyList<PodInfo> pods, IReadOnlyList<NodeInfo> nodes)
    {
        var left = new List<PodInfo>();
        foreach (var pod in pods)
        {
            var target = nodes.FirstOrDefault(n => fit.Check(pod, n, nodes) is null);
            if (target is null)
            {
                left.Add(pod);
            }
            else
            {
                target.AddPod(pod);
            }
        }

        return left;
    }

    private static double Share(PodInfo pod, NodeInfo shape) =>
        (shape.Allocatable.MilliCpu > 0 ? (double)pod.Requests.MilliCpu / shape.Allocatable.MilliCpu : 0)
        + (shape.Allocatable.Memory > 0 ? (double)pod.Requests.Memory / shape.Allocatable.Memory : 0);
}

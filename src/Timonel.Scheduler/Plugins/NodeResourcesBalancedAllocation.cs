using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins;

/// <summary>
/// NodeResourcesBalancedAllocation: favours nodes whose CPU and memory would be used in similar
/// proportions: score = (1 − standard deviation of the requested fractions) × 100.
/// </summary>
public sealed class NodeResourcesBalancedAllocation(IReadOnlyList<ResourceWeight>? resources = null) : IPreScorePlugin, IScorePlugin
{
    public const string PluginName = "NodeResourcesBalancedAllocation";

    private readonly ResourceWeight[] _resources = [.. resources ?? ResourceScoring.DefaultResources];

    public string Name => PluginName;

    public Status? PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes)
    {
        // A pod that requests none of the resources changes no balance (upstream skips best-effort pods).
        foreach (var r in _resources)
        {
            if (pod.Requests.Get(r.Name) > 0)
            {
                return null;
            }
        }

        return Status.Skip;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        Span<double> fractions = stackalloc double[_resources.Length];
        var n = 0;
        foreach (var r in _resources)
        {
            var allocatable = node.Allocatable.Get(r.Name);
            if (allocatable == 0)
            {
                continue;
            }

            var requested = node.Requested.Get(r.Name) + pod.Requests.Get(r.Name);
            fractions[n++] = Math.Min(1.0, (double)requested / allocatable);
        }

        double std;
        if (n == 0)
        {
            std = 0;
        }
        else if (n == 2)
        {
            std = Math.Abs((fractions[0] - fractions[1]) / 2);
        }
        else
        {
            double mean = 0;
            for (var i = 0; i < n; i++)
            {
                mean += fractions[i];
            }

            mean /= n;
            double variance = 0;
            for (var i = 0; i < n; i++)
            {
                variance += (fractions[i] - mean) * (fractions[i] - mean);
            }

            std = Math.Sqrt(variance / n);
        }

        return (long)((1 - std) * IScorePlugin.MaxNodeScore);
    }
}

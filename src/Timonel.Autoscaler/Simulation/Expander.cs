using Timonel.Autoscaler.NodeGroups;
using Timonel.Scheduler.Framework;

namespace Timonel.Autoscaler.Simulation;

/// <summary>One way to scale up: <see cref="NodeCount"/> nodes of <see cref="Group"/> would run <see cref="Pods"/>.</summary>
internal sealed record ScaleUpOption(INodeGroup Group, int NodeCount, IReadOnlyList<PodInfo> Pods, IReadOnlyList<NodeInfo> NewNodes);

/// <summary>Upstream's --expander: which of several groups that could help grows.</summary>
internal static class Expander
{
    public const string LeastWaste = "least-waste";
    public const string Random = "random";

    public static IReadOnlyList<string> Names { get; } = [LeastWaste, Random];

    public static ScaleUpOption? Choose(string expander, IReadOnlyList<ScaleUpOption> options, Random random)
    {
        if (options.Count == 0)
        {
            return null;
        }

        if (expander == Random)
        {
            return options[random.Next(options.Count)];
        }

        // least-waste: the smallest unused share of CPU plus memory on the new nodes; ties go to more pods, then the group name.
        return options
            .OrderBy(Waste)
            .ThenByDescending(o => o.Pods.Count)
            .ThenBy(o => o.Group.Id, StringComparer.Ordinal)
            .First();
    }

    /// <summary>Unused CPU share plus unused memory share of the option's new nodes once its pods run.</summary>
    public static double Waste(ScaleUpOption option)
    {
        long cpu = 0, memory = 0, usedCpu = 0, usedMemory = 0;
        foreach (var node in option.NewNodes)
        {
            cpu += node.Allocatable.MilliCpu;
            memory += node.Allocatable.Memory;
            usedCpu += node.Requested.MilliCpu;
            usedMemory += node.Requested.Memory;
        }

        var wastedCpu = cpu > 0 ? (double)(cpu - usedCpu) / cpu : 0;
        var wastedMemory = memory > 0 ? (double)(memory - usedMemory) / memory : 0;
        return wastedCpu + wastedMemory;
    }
}

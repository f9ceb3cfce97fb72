using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins;

namespace Timonel.Scheduler.Config;

/// <summary>The in-tree plugins by name, with the default profile's plugin order and score weights (upstream's v1 defaults).</summary>
public static class PluginRegistry
{
    /// <summary>The queue-sort plugin: built into the queue; accepted in configuration for compatibility.</summary>
    public const string PrioritySort = "PrioritySort";

    public static IReadOnlyDictionary<string, PluginFactory> Factories { get; } = new Dictionary<string, PluginFactory>(StringComparer.Ordinal)
    {
        [NodeUnschedulable.PluginName] = (_, _) => new NodeUnschedulable(),
        [NodeName.PluginName] = (_, _) => new NodeName(),
        [TaintToleration.PluginName] = (_, _) => new TaintToleration(),
        [NodeAffinity.PluginName] = (_, _) => new NodeAffinity(),
        [NodePorts.PluginName] = (_, _) => new NodePorts(),
        [NodeResourcesFit.PluginName] = (args, _) => NodeResourcesFit.FromArgs(args),
        [VolumeBinding.PluginName] = (_, h) => new VolumeBinding(h),
        [PodTopologySpread.PluginName] = PodTopologySpread.FromArgs,
        [InterPodAffinity.PluginName] = (_, h) => new InterPodAffinity(h),
        [DefaultPreemption.PluginName] = (_, h) => new DefaultPreemption(h),
        [NodeResourcesBalancedAllocation.PluginName] = (_, _) => new NodeResourcesBalancedAllocation(),
        [ImageLocality.PluginName] = (_, h) => new ImageLocality(h),
        [DefaultBinder.PluginName] = (_, h) => new DefaultBinder(h.Client),
    };

    /// <summary>The default profile's multiPoint plugins, in order, with their score weights (0: not a score plugin).</summary>
    public static IReadOnlyList<(string Name, int Weight)> Defaults { get; } =
    [
        (NodeUnschedulable.PluginName, 0),
        (NodeName.PluginName, 0),
        (TaintToleration.PluginName, 3),
        (NodeAffinity.PluginName, 2),
        (NodePorts.PluginName, 0),
        (NodeResourcesFit.PluginName, 1),
        (VolumeBinding.PluginName, 0),
        (PodTopologySpread.PluginName, 2),
        (InterPodAffinity.PluginName, 2),
        (DefaultPreemption.PluginName, 0),
        (NodeResourcesBalancedAllocation.PluginName, 1),
        (ImageLocality.PluginName, 1),
        (DefaultBinder.PluginName, 0),
    ];
}

using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins;

/// <summary>
/// ImageLocality: favours nodes that already hold the pod's images, weighting each image's size
/// by the share of nodes holding it (so images everywhere do not dominate), scaled between
/// 23 MB and 1000 MB per container.
/// </summary>
public sealed class ImageLocality(PluginHandle handle) : IScorePlugin
{
    public const string PluginName = "ImageLocality";
    private const long Mb = 1024 * 1024;
    private const long MinThreshold = 23 * Mb;
    private const long MaxContainerThreshold = 1000 * Mb;

    public string Name => PluginName;

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        if (node.ImageStates.Count == 0)
        {
            return 0;
        }

        var totalNodes = Math.Max(1, handle.Snapshot.NumNodes);
        long sum = 0;
        var containers = 0;
        foreach (var c in (pod.Pod.Spec?.InitContainers ?? []).Concat(pod.Pod.Spec?.Containers ?? []))
        {
            containers++;
            if (c.Image is { Length: > 0 } image && node.ImageStates.TryGetValue(ImageNames.Normalize(image), out var s))
            {
                sum += (long)(s.Size * ((double)s.NumNodes / totalNodes));
            }
        }

        var max = MaxContainerThreshold * Math.Max(1, containers);
        sum = Math.Clamp(sum, MinThreshold, max);
        return IScorePlugin.MaxNodeScore * (sum - MinThreshold) / (max - MinThreshold);
    }
}

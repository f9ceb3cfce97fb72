using k8s.Models;
using Timonel.Registry.Conversion;
using Timonel.Registry.Strategies;
using Timonel.Registry.Tables;

namespace Timonel.Registry.Resources;

/// <summary>
/// HorizontalPodAutoscaler: stored in autoscaling/v2, also served in autoscaling/v1 (a
/// conversion of the stored object), as upstream 1.33; v2 comes first, so it is the group's
/// preferred version.
/// </summary>
internal static class HorizontalPodAutoscalers
{
    public static ResourceDefinition Definition() =>
        new("autoscaling", "HorizontalPodAutoscaler", "horizontalpodautoscalers", namespaced: true, typeof(V2HorizontalPodAutoscaler),
            [new ResourceVersion("v2", Served: true, Storage: true), new ResourceVersion("v1", Served: true, Storage: false, typeof(V1HorizontalPodAutoscaler))])
        {
            Strategy = new HorizontalPodAutoscalerStrategy(),
            Table = new HorizontalPodAutoscalerTable(),
            ShortNames = ["hpa"],
            Categories = ["all"],
            Subresources = [new SubresourceDefinition("status", SubresourceHandler.Status)],
            StoragePrefix = "/registry/horizontalpodautoscalers/",
            Converter = new HorizontalPodAutoscalerConverter(),
        };
}

using Timonel.Api.Resources;

namespace Timonel.Api.Strategies;

/// <summary>Chooses the strategy of a resource: its kind's own, or a generic one for kinds without rules.</summary>
public static class ResourceStrategies
{
    private static readonly Dictionary<(string Group, string Kind), IResourceStrategy> ByKind = new()
    {
        [("", "Namespace")] = new NamespaceStrategy(),
        [("", "Pod")] = new PodStrategy(),
        [("", "Service")] = new ServiceStrategy(),
        [("", "ConfigMap")] = new ConfigMapStrategy(),
        [("", "Secret")] = new SecretStrategy(),
        [("", "PersistentVolume")] = new PersistentVolumeStrategy(),
        [("", "PersistentVolumeClaim")] = new PersistentVolumeClaimStrategy(),
        [("apps", "Deployment")] = new DeploymentStrategy(),
        [("apps", "ReplicaSet")] = new ReplicaSetStrategy(),
        [("apps", "StatefulSet")] = new StatefulSetStrategy(),
        [("apps", "DaemonSet")] = new DaemonSetStrategy(),
        [("batch", "Job")] = new JobStrategy(),
        [("batch", "CronJob")] = new CronJobStrategy(),
    };

    public static IResourceStrategy For(ApiResource resource) =>
        ByKind.TryGetValue((resource.Group, resource.Kind), out var strategy)
            ? strategy
            : new GenericStrategy(resource.Namespaced, resource.HasStatus);
}

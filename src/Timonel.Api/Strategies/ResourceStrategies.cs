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
        [("", "Node")] = new NodeStrategy(),
        [("", "Event")] = new EventStrategy(eventsApi: false),
        [("events.k8s.io", "Event")] = new EventStrategy(eventsApi: true),
        [("", "ResourceQuota")] = new ResourceQuotaStrategy(),
        [("", "LimitRange")] = new LimitRangeStrategy(),
        [("apps", "ControllerRevision")] = new ControllerRevisionStrategy(),
        [("coordination.k8s.io", "Lease")] = new LeaseStrategy(),
        [("discovery.k8s.io", "EndpointSlice")] = new EndpointSliceStrategy(),
        [("networking.k8s.io", "Ingress")] = new IngressStrategy(),
        [("networking.k8s.io", "IngressClass")] = new IngressClassStrategy(),
        [("networking.k8s.io", "NetworkPolicy")] = new NetworkPolicyStrategy(),
        [("policy", "PodDisruptionBudget")] = new PodDisruptionBudgetStrategy(),
        [("rbac.authorization.k8s.io", "Role")] = new RoleStrategy(namespaced: true),
        [("rbac.authorization.k8s.io", "ClusterRole")] = new RoleStrategy(namespaced: false),
        [("rbac.authorization.k8s.io", "RoleBinding")] = new RoleBindingStrategy(namespaced: true),
        [("rbac.authorization.k8s.io", "ClusterRoleBinding")] = new RoleBindingStrategy(namespaced: false),
        [("autoscaling", "HorizontalPodAutoscaler")] = new HorizontalPodAutoscalerStrategy(),
        [("scheduling.k8s.io", "PriorityClass")] = new PriorityClassStrategy(),
        [("storage.k8s.io", "StorageClass")] = new StorageClassStrategy(),
        [("", "ServiceAccount")] = new GenericStrategy(namespaced: true, hasStatus: false),
        [("", "Endpoints")] = new GenericStrategy(namespaced: true, hasStatus: false),
    };

    public static IResourceStrategy For(ApiResource resource) =>
        ByKind.TryGetValue((resource.Group, resource.Kind), out var strategy)
            ? strategy
            : new GenericStrategy(resource.Namespaced, resource.HasStatus);
}

using System.Collections.Frozen;
using Timonel.Api.Resources;

namespace Timonel.Api.Tables;

/// <summary>
/// Chooses the table convertor of a resource by group and plural, with upstream's printer columns.
/// Resources without one get NAME and AGE. Convertors are stateless and shared.
/// </summary>
public static class TableConvertors
{
    private static readonly ITableConvertor Default = new NameAgeTable();

    private static readonly FrozenDictionary<(string Group, string Plural), ITableConvertor> ByResource =
        new Dictionary<(string Group, string Plural), ITableConvertor>
        {
            [("", "pods")] = new PodTable(),
            [("", "services")] = new ServiceTable(),
            [("", "nodes")] = new NodeTable(),
            [("", "namespaces")] = new NamespaceTable(),
            [("", "events")] = EventTable.Core,
            [("", "configmaps")] = new ConfigMapTable(),
            [("", "secrets")] = new SecretTable(),
            [("", "serviceaccounts")] = new ServiceAccountTable(),
            [("", "endpoints")] = new EndpointsTable(),
            [("", "persistentvolumes")] = new PersistentVolumeTable(),
            [("", "persistentvolumeclaims")] = new PersistentVolumeClaimTable(),
            [("", "resourcequotas")] = new ResourceQuotaTable(),
            [("", "limitranges")] = new CreatedAtTable(),
            [("apps", "deployments")] = new DeploymentTable(),
            [("apps", "replicasets")] = new ReplicaSetTable(),
            [("apps", "statefulsets")] = new StatefulSetTable(),
            [("apps", "daemonsets")] = new DaemonSetTable(),
            [("apps", "controllerrevisions")] = new ControllerRevisionTable(),
            [("batch", "jobs")] = new JobTable(),
            [("batch", "cronjobs")] = new CronJobTable(),
            [("coordination.k8s.io", "leases")] = new LeaseTable(),
            [("discovery.k8s.io", "endpointslices")] = new EndpointSliceTable(),
            [("events.k8s.io", "events")] = EventTable.EventsV1,
            [("networking.k8s.io", "ingresses")] = new IngressTable(),
            [("networking.k8s.io", "ingressclasses")] = new IngressClassTable(),
            [("networking.k8s.io", "networkpolicies")] = new NetworkPolicyTable(),
            [("policy", "poddisruptionbudgets")] = new PodDisruptionBudgetTable(),
            [("rbac.authorization.k8s.io", "roles")] = new CreatedAtTable(),
            [("rbac.authorization.k8s.io", "clusterroles")] = new CreatedAtTable(),
            [("rbac.authorization.k8s.io", "rolebindings")] = RoleBindingTable.Namespaced,
            [("rbac.authorization.k8s.io", "clusterrolebindings")] = RoleBindingTable.Cluster,
            [("autoscaling", "horizontalpodautoscalers")] = new HorizontalPodAutoscalerTable(),
            [("scheduling.k8s.io", "priorityclasses")] = new PriorityClassTable(),
            [("storage.k8s.io", "storageclasses")] = new StorageClassTable(),
        }.ToFrozenDictionary();

    public static ITableConvertor For(ApiResource resource) =>
        ByResource.TryGetValue((resource.Group, resource.Plural), out var convertor) ? convertor : Default;
}

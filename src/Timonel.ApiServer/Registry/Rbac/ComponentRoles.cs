using static Timonel.ApiServer.Registry.Rbac.Rules;

namespace Timonel.ApiServer.Registry.Rbac;

/// <summary>
/// Upstream 1.33's ClusterRoles for the cluster's own components: node (kubelet), node-proxier
/// (kube-proxy), kube-scheduler, volume-scheduler, kube-controller-manager, kube-dns and
/// node-bootstrapper.
/// </summary>
internal static class ComponentRoles
{
    public static IEnumerable<RoleDefinition> All()
    {
        yield return new RoleDefinition("system:node",
            // Delegated authentication and authorization of the kubelet's own API.
            Rule("create").Groups(Authentication).Resources("tokenreviews"),
            Rule("create").Groups(Authorization).Resources("subjectaccessreviews", "localsubjectaccessreviews"),
            // Service environment variables.
            Rule(Read).Groups(Core).Resources("services"),
            Rule("create", "get", "list", "watch").Groups(Core).Resources("nodes"),
            Rule("update", "patch").Groups(Core).Resources("nodes/status"),
            Rule("update", "patch").Groups(Core).Resources("nodes"),
            Rule("create", "update", "patch").Groups(Core).Resources("events"),
            Rule(Read).Groups(Core).Resources("pods"),
            // Mirror pods of static pods.
            Rule("create", "delete").Groups(Core).Resources("pods"),
            Rule("update", "patch").Groups(Core).Resources("pods/status"),
            Rule("create").Groups(Core).Resources("pods/eviction"),
            // Volume sources: the node authorizer narrows these to the node's own pods.
            Rule(Read).Groups(Core).Resources("secrets", "configmaps"),
            Rule("get").Groups(Core).Resources("persistentvolumeclaims", "persistentvolumes"),
            Rule("get").Groups(Core).Resources("endpoints"),
            Rule("create", "get", "list", "watch").Groups(Certificates).Resources("certificatesigningrequests"),
            Rule("get", "create", "update", "patch", "delete").Groups(Coordination).Resources("leases"),
            Rule("get").Groups(StorageGroup).Resources("volumeattachments"),
            Rule("create").Groups(Core).Resources("serviceaccounts/token"),
            Rule("get", "update", "patch").Groups(Core).Resources("persistentvolumeclaims/status"),
            Rule(Read).Groups(StorageGroup).Resources("csidrivers"),
            Rule("get", "create", "update", "patch", "delete").Groups(StorageGroup).Resources("csinodes"),
            Rule(Read).Groups("node.k8s.io").Resources("runtimeclasses"));

        yield return new RoleDefinition("system:node-proxier",
            Rule("list", "watch").Groups(Core).Resources("services", "endpoints"),
            Rule(Read).Groups(Core).Resources("nodes"),
            EventsRule(),
            Rule("list", "watch").Groups(Discovery).Resources("endpointslices"));

        yield return new RoleDefinition("system:kube-controller-manager",
            EventsRule(),
            // Leader election: any Lease may be created, only its own one read and renewed.
            Rule("create").Groups(Coordination).Resources("leases"),
            Rule("get", "update").Groups(Coordination).Resources("leases").Names("kube-controller-manager"),
            // The service account credentials it runs its controllers with.
            Rule("create").Groups(Core).Resources("secrets", "serviceaccounts"),
            Rule("delete").Groups(Core).Resources("secrets"),
            Rule("get").Groups(Core).Resources("namespaces", "secrets", "serviceaccounts", "configmaps"),
            Rule("update").Groups(Core).Resources("secrets", "serviceaccounts"),
            // Delegated authentication and authorization of its own HTTPS endpoint.
            Rule("create").Groups(Authentication).Resources("tokenreviews"),
            Rule("create").Groups(Authorization).Resources("subjectaccessreviews"),
            // The shared informers of every controller.
            Rule("list", "watch").Groups("*").Resources("*"),
            Rule("create").Groups(Core).Resources("serviceaccounts/token"));

        yield return new RoleDefinition("system:kube-dns",
            Rule("list", "watch").Groups(Core).Resources("endpoints", "services"));

        yield return new RoleDefinition("system:kube-scheduler",
            EventsRule(),
            Rule("create").Groups(Coordination).Resources("leases"),
            Rule("get", "update").Groups(Coordination).Resources("leases").Names("kube-scheduler"),
            Rule(Read).Groups(Core).Resources("nodes"),
            Rule("get", "list", "watch", "delete").Groups(Core).Resources("pods"),
            Rule("create").Groups(Core).Resources("pods/binding", "bindings"),
            Rule("patch", "update").Groups(Core).Resources("pods/status"),
            // Spreading by owning controller.
            Rule(Read).Groups(Core).Resources("services", "replicationcontrollers"),
            Rule(Read).Groups(Apps, Extensions).Resources("replicasets"),
            Rule(Read).Groups(Apps).Resources("statefulsets"),
            // Preemption.
            Rule(Read).Groups(Policy).Resources("poddisruptionbudgets"),
            Rule(Read).Groups(Core).Resources("persistentvolumeclaims", "persistentvolumes"),
            Rule("create").Groups(Authentication).Resources("tokenreviews"),
            Rule("create").Groups(Authorization).Resources("subjectaccessreviews"),
            Rule(Read).Groups(StorageGroup).Resources("csinodes"),
            // Inter-pod affinity with namespace selectors.
            Rule(Read).Groups(Core).Resources("namespaces"),
            Rule(Read).Groups(StorageGroup).Resources("csidrivers"),
            Rule(Read).Groups(StorageGroup).Resources("csistoragecapacities"));

        yield return new RoleDefinition("system:volume-scheduler",
            Rule("get", "list", "watch", "patch", "update").Groups(Core).Resources("persistentvolumes"),
            Rule(Read).Groups(StorageGroup).Resources("storageclasses"),
            Rule("get", "list", "watch", "patch", "update").Groups(Core).Resources("persistentvolumeclaims"));

        yield return new RoleDefinition("system:node-bootstrapper",
            Rule("create", "get", "list", "watch").Groups(Certificates).Resources("certificatesigningrequests"));
    }
}

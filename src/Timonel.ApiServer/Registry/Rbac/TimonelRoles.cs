using Timonel.ApiServer.Security;
using static Timonel.ApiServer.Registry.Rbac.Rules;
using static Timonel.ApiServer.Registry.Rbac.SubjectDefinition;

namespace Timonel.ApiServer.Registry.Rbac;

/// <summary>
/// Timonel's own ClusterRoles and bindings, for components upstream does not have: the node
/// simulator (a kubelet stand-in for many nodes at once, so the node authorizer cannot narrow
/// it to one) the local-path provisioner controller (k3s ships it with its own role too), and the
/// scheduler's reading of PriorityClasses; metrics-server's aggregated reader role, since the
/// metrics API it serves is built in; and the ingress controller (every node's, which reads
/// all TLS Secrets and so does not run as the node).
/// Each holds only what the component does; see docs/limits.md.
/// </summary>
internal static class TimonelRoles
{
    public const string NodeSimulator = "timonel:node-simulator";

    public const string LocalPathProvisioner = "timonel:controller:local-path-provisioner";

    public const string SchedulerPriorityClasses = "timonel:kube-scheduler:priorityclasses";

    /// <summary>metrics-server's reader role, gathered into view, edit and admin: who may read namespaces' pods may read their metrics.</summary>
    public const string AggregatedMetricsReader = "system:aggregated-metrics-reader";

    public const string IngressController = "timonel:ingress-controller";

    /// <summary>The service account remote agents' ingress controllers may run as (created by the admin; see docs/ingress.md).</summary>
    public const string IngressControllerAccount = "timonel-ingress-controller";

    /// <summary>The built-in cluster autoscaler's role (upstream's cluster-autoscaler ClusterRole, plus creating simulated nodes).</summary>
    public const string ClusterAutoscaler = "timonel:cluster-autoscaler";

    /// <summary>The service account the server runs the cluster autoscaler as.</summary>
    public const string ClusterAutoscalerAccount = "cluster-autoscaler";

    /// <summary>The service account the controller manager runs the local-path provisioner as.</summary>
    public const string LocalPathProvisionerAccount = "local-path-provisioner";

    public static IEnumerable<RoleDefinition> Roles()
    {
        yield return new RoleDefinition(NodeSimulator,
            // The simulated nodes it plays the kubelet of: heartbeats and Ready status.
            Rule(Read).Groups(Core).Resources("nodes"),
            Rule("patch", "update").Groups(Core).Resources("nodes/status"),
            Rule("get", "create", "update").Groups(Coordination).Resources("leases"),
            // Pod lifecycles: status, and the final delete of a gracefully terminated pod.
            Rule("get", "list", "watch", "delete").Groups(Core).Resources("pods"),
            Rule("patch", "update").Groups(Core).Resources("pods/status"),
            // What a pod's volumes and environment read; a kubelet has these through system:node.
            Rule("get").Groups(Core).Resources("secrets", "configmaps", "persistentvolumeclaims", "persistentvolumes"),
            Rule(Read).Groups(Core).Resources("services"),
            Rule("create").Groups(Core).Resources("serviceaccounts/token"),
            EventsRule());
        yield return new RoleDefinition(ClusterAutoscaler,
            // Nodes it adds (simulated groups), taints while draining and removes.
            Rule("get", "list", "watch", "create", "update", "delete").Groups(Core).Resources("nodes"),
            Rule(Read).Groups(Core).Resources("pods", "services", "replicationcontrollers", "persistentvolumeclaims", "persistentvolumes"),
            Rule("create").Groups(Core).Resources("pods/eviction"),
            Rule(Read).Groups(Policy).Resources("poddisruptionbudgets"),
            Rule(Read).Groups(Apps).Resources("replicasets", "statefulsets", "daemonsets"),
            // Its status ConfigMap in kube-system.
            Rule("create").Groups(Core).Resources("configmaps"),
            Rule("get", "update").Groups(Core).Resources("configmaps").Names("cluster-autoscaler-status"),
            Rule("create").Groups(Coordination).Resources("leases"),
            Rule("get", "update").Groups(Coordination).Resources("leases").Names("cluster-autoscaler"),
            EventsRule());
        yield return new RoleDefinition(LocalPathProvisioner,
            // The default StorageClass it installs once, and the volumes it provisions.
            Rule("create").Groups(StorageGroup).Resources("storageclasses"),
            Rule("create").Groups(Core).Resources("persistentvolumes"),
            EventsRule());
        // Timonel has no Priority admission plugin filling spec.priority, so its scheduler
        // resolves a pod's priorityClassName itself, from a PriorityClass informer.
        yield return new RoleDefinition(SchedulerPriorityClasses,
            Rule(Read).Groups("scheduling.k8s.io").Resources("priorityclasses"));
        // metrics.k8s.io is built in here; the role is the one metrics-server's manifest installs (k3s ships it).
        yield return new RoleDefinition(AggregatedMetricsReader,
            Rule(Read).Groups("metrics.k8s.io").Resources("pods", "nodes"))
        {
            Labels = new Dictionary<string, string> { ["k8s-app"] = "metrics-server" },
        }.AggregatedTo(UserFacingRoles.AggregateToView).AggregatedTo(UserFacingRoles.AggregateToEdit).AggregatedTo(UserFacingRoles.AggregateToAdmin);
        // The ingress controller (upstream: ingress-nginx's own ClusterRole). A dedicated identity,
        // not the node's: it reads every namespace's Secrets for their certificates, which the
        // Node authorizer rightly refuses a kubelet.
        yield return new RoleDefinition(IngressController,
            Rule("list", "watch").Groups(Networking).Resources("ingresses"),
            Rule("update", "patch").Groups(Networking).Resources("ingresses/status"),
            Rule("get", "list", "watch", "create").Groups(Networking).Resources("ingressclasses"),
            Rule("list", "watch").Groups(Core).Resources("services", "secrets", "nodes"),
            Rule("list", "watch").Groups(Discovery).Resources("endpointslices"),
            // Gateway API (served once the user installs its CRDs): the CRDs to see them appear,
            // namespaces for allowedRoutes selectors, the objects and their status.
            Rule(Read).Groups("apiextensions.k8s.io").Resources("customresourcedefinitions"),
            Rule("list", "watch").Groups(Core).Resources("namespaces"),
            Rule(Read).Groups("gateway.networking.k8s.io").Resources("gatewayclasses", "gateways", "httproutes", "referencegrants"),
            Rule("update", "patch").Groups("gateway.networking.k8s.io").Resources("gatewayclasses/status", "gateways/status", "httproutes/status"),
            EventsRule());
    }

    public static IEnumerable<BindingDefinition> Bindings()
    {
        yield return new BindingDefinition(NodeSimulator, "ClusterRole", NodeSimulator, User(ComponentUsers.NodeSimulator));
        yield return new BindingDefinition(LocalPathProvisioner, "ClusterRole", LocalPathProvisioner, ServiceAccount("kube-system", LocalPathProvisionerAccount));
        yield return new BindingDefinition(ClusterAutoscaler, "ClusterRole", ClusterAutoscaler, ServiceAccount("kube-system", ClusterAutoscalerAccount));
        yield return new BindingDefinition(SchedulerPriorityClasses, "ClusterRole", SchedulerPriorityClasses, User(ComponentUsers.Scheduler));
        yield return new BindingDefinition(IngressController, "ClusterRole", IngressController, User(ComponentUsers.IngressController), ServiceAccount("kube-system", IngressControllerAccount));
    }
}

using static Timonel.ApiServer.Registry.Rbac.Rules;

namespace Timonel.ApiServer.Registry.Rbac;

/// <summary>
/// The user-facing ClusterRoles of upstream 1.33's bootstrap policy: cluster-admin, and admin,
/// edit and view, which hold no rules of their own but gather (aggregationRule) those of every
/// ClusterRole labelled aggregate-to-&lt;role&gt;, starting with the system:aggregate-to-* ones here.
/// </summary>
internal static class UserFacingRoles
{
    public const string AggregateToAdmin = "rbac.authorization.k8s.io/aggregate-to-admin";
    public const string AggregateToEdit = "rbac.authorization.k8s.io/aggregate-to-edit";
    public const string AggregateToView = "rbac.authorization.k8s.io/aggregate-to-view";

    public static IEnumerable<RoleDefinition> All()
    {
        yield return new RoleDefinition("cluster-admin",
            Rule("*").Groups("*").Resources("*"),
            Rule("*").NonResourceUrls("*"));

        yield return new RoleDefinition("admin") { AggregateFrom = [AggregateToAdmin] };
        yield return new RoleDefinition("edit") { AggregateFrom = [AggregateToEdit] }.AggregatedTo(AggregateToAdmin);
        yield return new RoleDefinition("view") { AggregateFrom = [AggregateToView] }.AggregatedTo(AggregateToEdit);

        yield return new RoleDefinition("system:aggregate-to-admin",
            Rule("create").Groups(Authorization).Resources("localsubjectaccessreviews"),
            Rule(ReadWrite).Groups(RbacGroup).Resources("roles", "rolebindings")).AggregatedTo(AggregateToAdmin);

        yield return new RoleDefinition("system:aggregate-to-edit",
            // Read access to secrets and to pods' interactive subresources is escalating, so only edit has it.
            Rule(Read).Groups(Core).Resources("pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"),
            Rule("impersonate").Groups(Core).Resources("serviceaccounts"),
            Rule(Write).Groups(Core).Resources("pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"),
            Rule("create").Groups(Core).Resources("pods/eviction"),
            // In-place resize (1.33, InPlacePodVerticalScaling on by default): whoever may edit pods may resize them.
            Rule("update", "patch").Groups(Core).Resources("pods/resize"),
            Rule(Write).Groups(Core).Resources("replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
                "services", "services/proxy", "persistentvolumeclaims", "configmaps", "secrets", "events"),
            Rule("create").Groups(Core).Resources("serviceaccounts/token"),
            Rule(Write).Groups(Apps).Resources("statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale",
                "deployments/rollback", "replicasets", "replicasets/scale"),
            Rule(Write).Groups(Autoscaling).Resources("horizontalpodautoscalers"),
            Rule(Write).Groups(Batch).Resources("jobs", "cronjobs"),
            Rule(Write).Groups(Extensions).Resources("daemonsets", "deployments", "deployments/scale", "deployments/rollback", "ingresses",
                "replicasets", "replicasets/scale", "replicationcontrollers/scale", "networkpolicies"),
            Rule(Write).Groups(Policy).Resources("poddisruptionbudgets"),
            Rule(Write).Groups(Networking).Resources("ingresses", "networkpolicies"),
            Rule(ReadWrite).Groups(Coordination).Resources("leases")).AggregatedTo(AggregateToEdit);

        yield return new RoleDefinition("system:aggregate-to-view",
            Rule(Read).Groups(Core).Resources("pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
                "services", "services/status", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps"),
            Rule(Read).Groups(Core).Resources("limitranges", "resourcequotas", "bindings", "events", "pods/status",
                "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"),
            // Namespaces are readable so that view can be bound per namespace and still see its own.
            Rule(Read).Groups(Core).Resources("namespaces"),
            Rule(Read).Groups(Discovery).Resources("endpointslices"),
            Rule(Read).Groups(Apps).Resources("controllerrevisions", "statefulsets", "statefulsets/status", "statefulsets/scale",
                "daemonsets", "daemonsets/status", "deployments", "deployments/status", "deployments/scale",
                "replicasets", "replicasets/status", "replicasets/scale"),
            Rule(Read).Groups(Autoscaling).Resources("horizontalpodautoscalers", "horizontalpodautoscalers/status"),
            Rule(Read).Groups(Batch).Resources("jobs", "cronjobs", "cronjobs/status", "jobs/status"),
            Rule(Read).Groups(Extensions).Resources("daemonsets", "daemonsets/status", "deployments", "deployments/scale",
                "deployments/status", "ingresses", "ingresses/status", "replicasets", "replicasets/scale", "replicasets/status",
                "replicationcontrollers/scale", "networkpolicies"),
            Rule(Read).Groups(Policy).Resources("poddisruptionbudgets", "poddisruptionbudgets/status"),
            Rule(Read).Groups(Networking).Resources("ingresses", "ingresses/status", "networkpolicies")).AggregatedTo(AggregateToView);
    }
}

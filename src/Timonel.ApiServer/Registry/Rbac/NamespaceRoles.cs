using static Timonel.ApiServer.Registry.Rbac.Rules;
using static Timonel.ApiServer.Registry.Rbac.SubjectDefinition;

namespace Timonel.ApiServer.Registry.Rbac;

/// <summary>
/// Upstream 1.33's namespaced bootstrap Roles and RoleBindings (namespace_policy.go): in
/// kube-system the authentication config reader, the leader-locking roles, and the
/// bootstrap-signer, cloud-provider and token-cleaner roles; in kube-public the bootstrap-signer's
/// access to the cluster-info ConfigMap.
/// </summary>
internal static class NamespaceRoles
{
    private const string KubeSystem = "kube-system";
    private const string KubePublic = "kube-public";
    private const string ControllerManager = "system:kube-controller-manager";
    private const string Scheduler = "system:kube-scheduler";

    public static IEnumerable<(string Namespace, RoleDefinition Role)> Roles()
    {
        yield return (KubeSystem, new RoleDefinition("extension-apiserver-authentication-reader",
            // The one ConfigMap that carries the client CA and request-header settings for delegated authentication.
            Rule(Read).Groups(Core).Resources("configmaps").Names("extension-apiserver-authentication")));
        yield return (KubeSystem, new RoleDefinition(ControllerRoles.Prefix + "bootstrap-signer",
            Rule(Read).Groups(Core).Resources("secrets")));
        // Deprecated upstream since 1.10, still created.
        yield return (KubeSystem, new RoleDefinition(ControllerRoles.Prefix + "cloud-provider",
            Rule("create", "get", "list", "watch").Groups(Core).Resources("configmaps")));
        yield return (KubeSystem, new RoleDefinition(ControllerRoles.Prefix + "token-cleaner",
            Rule("get", "list", "watch", "delete").Groups(Core).Resources("secrets"),
            EventsRule()));
        yield return (KubeSystem, LeaderLocking("system::leader-locking-kube-controller-manager"));
        yield return (KubeSystem, LeaderLocking("system::leader-locking-kube-scheduler"));
        yield return (KubePublic, new RoleDefinition(ControllerRoles.Prefix + "bootstrap-signer",
            Rule(Read).Groups(Core).Resources("configmaps"),
            Rule("update").Groups(Core).Resources("configmaps").Names("cluster-info"),
            EventsRule()));
    }

    public static IEnumerable<(string Namespace, BindingDefinition Binding)> Bindings()
    {
        yield return (KubeSystem, new BindingDefinition("system::extension-apiserver-authentication-reader", "Role", "extension-apiserver-authentication-reader",
            User(ControllerManager), User(Scheduler)));
        yield return (KubeSystem, new BindingDefinition("system::leader-locking-kube-controller-manager", "Role", "system::leader-locking-kube-controller-manager",
            User(ControllerManager), ServiceAccount(KubeSystem, "kube-controller-manager"), ServiceAccount(KubeSystem, "leader-election-controller")));
        yield return (KubeSystem, new BindingDefinition("system::leader-locking-kube-scheduler", "Role", "system::leader-locking-kube-scheduler",
            User(Scheduler), ServiceAccount(KubeSystem, "kube-scheduler")));
        yield return (KubeSystem, ServiceAccountBinding("bootstrap-signer"));
        yield return (KubeSystem, ServiceAccountBinding("cloud-provider"));
        yield return (KubeSystem, ServiceAccountBinding("token-cleaner"));
        yield return (KubePublic, ServiceAccountBinding("bootstrap-signer"));
    }

    /// <summary>Leader election through Leases (and the candidates of coordinated leader election).</summary>
    private static RoleDefinition LeaderLocking(string name) => new(name,
        Rule("get", "watch", "list", "create", "update").Groups(Coordination).Resources("leases"),
        Rule("get", "watch", "list", "create", "update").Groups(Coordination).Resources("leasecandidates"));

    private static BindingDefinition ServiceAccountBinding(string name) =>
        new(ControllerRoles.Prefix + name, "Role", ControllerRoles.Prefix + name, ServiceAccount(KubeSystem, name));
}

using static Timonel.ApiServer.Registry.Rbac.SubjectDefinition;

namespace Timonel.ApiServer.Registry.Rbac;

/// <summary>Upstream 1.33's bootstrap ClusterRoleBindings: the default ones of policy.go and one per controller role.</summary>
internal static class ClusterBindings
{
    private const string Authenticated = "system:authenticated";

    public static IEnumerable<BindingDefinition> All()
    {
        yield return Bind("cluster-admin", Group("system:masters"));
        yield return Bind("system:monitoring", Group("system:monitoring"));
        yield return Bind("system:discovery", Group(Authenticated));
        yield return Bind("system:basic-user", Group(Authenticated));
        yield return Bind("system:public-info-viewer", Group(Authenticated), Group("system:unauthenticated"));
        yield return Bind("system:node-proxier", User("system:kube-proxy"));
        yield return Bind("system:kube-controller-manager", User("system:kube-controller-manager"));
        yield return Bind("system:kube-dns", ServiceAccount("kube-system", "kube-dns"));
        yield return Bind("system:kube-scheduler", User("system:kube-scheduler"));
        yield return Bind("system:volume-scheduler", User("system:kube-scheduler"));
        // Kubelets are authorized by the node authorizer; the binding exists, without subjects,
        // so that reconciliation does not bring the group back.
        yield return Bind("system:node");
        yield return Bind("system:service-account-issuer-discovery", Group("system:serviceaccounts"));

        foreach (var (name, _) in ControllerRoles.All())
        {
            yield return Bind(ControllerRoles.Prefix + name, ServiceAccount("kube-system", name));
        }
    }

    private static BindingDefinition Bind(string role, params SubjectDefinition[] subjects) => new(role, "ClusterRole", role, subjects);
}

using static Timonel.ApiServer.Registry.Rbac.Rules;

namespace Timonel.ApiServer.Registry.Rbac;

/// <summary>
/// Upstream 1.33's ClusterRoles for discovery, health and review endpoints and for add-ons
/// (basic-user, discovery, public-info-viewer, monitoring, auth-delegator, heapster, ...).
/// </summary>
internal static class SystemRoles
{
    public static IEnumerable<RoleDefinition> All()
    {
        yield return new RoleDefinition("system:monitoring",
            Rule("get").NonResourceUrls("/metrics", "/metrics/slis", "/livez", "/readyz", "/healthz", "/livez/*", "/readyz/*", "/healthz/*"));
        yield return new RoleDefinition("system:discovery",
            Rule("get").NonResourceUrls("/livez", "/readyz", "/healthz", "/version", "/version/", "/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*"));
        yield return new RoleDefinition("system:public-info-viewer",
            Rule("get").NonResourceUrls("/livez", "/readyz", "/healthz", "/version", "/version/"));
        yield return new RoleDefinition("system:basic-user",
            Rule("create").Groups(Authorization).Resources("selfsubjectaccessreviews", "selfsubjectrulesreviews"),
            Rule("create").Groups(Authentication).Resources("selfsubjectreviews"));
        yield return new RoleDefinition("system:auth-delegator",
            Rule("create").Groups(Authentication).Resources("tokenreviews"),
            Rule("create").Groups(Authorization).Resources("subjectaccessreviews"));
        yield return new RoleDefinition("system:heapster",
            Rule(Read).Groups(Core).Resources("events", "pods", "nodes", "namespaces"),
            Rule(Read).Groups(Extensions).Resources("deployments"));
        yield return new RoleDefinition("system:node-problem-detector",
            Rule("get").Groups(Core).Resources("nodes"),
            Rule("patch").Groups(Core).Resources("nodes/status"),
            EventsRule());
        yield return new RoleDefinition("system:kubelet-api-admin",
            Rule(Read).Groups(Core).Resources("nodes"),
            Rule("proxy").Groups(Core).Resources("nodes"),
            Rule("*").Groups(Core).Resources("nodes/proxy", "nodes/metrics", "nodes/stats", "nodes/log"));
        yield return new RoleDefinition("system:kube-aggregator",
            Rule(Read).Groups(Core).Resources("services", "endpoints"));
        yield return new RoleDefinition("system:persistent-volume-provisioner",
            Rule("get", "list", "watch", "create", "delete").Groups(Core).Resources("persistentvolumes"),
            // update, to mark a claim as provisioned by this provisioner.
            Rule("get", "list", "watch", "update").Groups(Core).Resources("persistentvolumeclaims"),
            Rule(Read).Groups(StorageGroup).Resources("storageclasses"),
            // watch events, to learn of a claim's provisioning failures.
            Rule("watch").Groups(Core).Resources("events"),
            EventsRule());
        yield return new RoleDefinition("system:service-account-issuer-discovery",
            Rule("get").NonResourceUrls("/.well-known/openid-configuration", "/openid/v1/jwks"));
    }
}

using k8s.Models;

namespace Timonel.Api.Resources;

/// <summary>Every resource the API server serves, in discovery order.</summary>
public sealed class ResourceCatalog
{
    private readonly Dictionary<(string Group, string Version, string Plural), ApiResource> _byPath;
    private readonly Dictionary<(string Group, string Kind), ApiResource> _byKind;

    public ResourceCatalog(IEnumerable<ApiResource> resources)
    {
        All = resources.ToList();
        _byPath = All.ToDictionary(r => (r.Group, r.Version, r.Plural));
        _byKind = new();
        foreach (var r in All)
        {
            _byKind.TryAdd((r.Group, r.Kind), r);
        }
    }

    /// <summary>The built-in resources of Timonel.</summary>
    public static ResourceCatalog Default { get; } = new(BuiltIn());

    public IReadOnlyList<ApiResource> All { get; }

    /// <summary>Group/versions in discovery order, e.g. ("", "v1"), ("apps", "v1").</summary>
    public IEnumerable<(string Group, string Version)> GroupVersions => All.Select(r => (r.Group, r.Version)).Distinct();

    public ApiResource? Find(string group, string version, string plural) =>
        _byPath.TryGetValue((group, version, plural), out var r) ? r : null;

    public ApiResource? FindByKind(string group, string kind) =>
        _byKind.TryGetValue((group, kind), out var r) ? r : null;

    private static IEnumerable<ApiResource> BuiltIn()
    {
        string[] none = [];
        string[] all = ["all"];
        string[] status = ["status"];
        string[] statusScale = ["status", "scale"];

        ApiResource R(string group, string version, string kind, string plural, bool namespaced, Type type, string[]? shortNames = null, string[]? categories = null, string[]? sub = null) =>
            new(group, version, kind, plural, kind.ToLowerInvariant(), namespaced, type, shortNames ?? none, categories ?? none, sub ?? none);

        // core/v1
        yield return R("", "v1", "Namespace", "namespaces", false, typeof(V1Namespace), ["ns"], sub: ["status", "finalize"]);
        yield return R("", "v1", "Pod", "pods", true, typeof(V1Pod), ["po"], all, ["status", "binding", "eviction", "log", "exec", "attach", "portforward"]);
        yield return R("", "v1", "Service", "services", true, typeof(V1Service), ["svc"], all, status);
        yield return R("", "v1", "Endpoints", "endpoints", true, typeof(V1Endpoints), ["ep"]);
        yield return R("", "v1", "ConfigMap", "configmaps", true, typeof(V1ConfigMap), ["cm"]);
        yield return R("", "v1", "Secret", "secrets", true, typeof(V1Secret));
        yield return R("", "v1", "ServiceAccount", "serviceaccounts", true, typeof(V1ServiceAccount), ["sa"], sub: ["token"]);
        yield return R("", "v1", "Node", "nodes", false, typeof(V1Node), ["no"], sub: status);
        yield return R("", "v1", "Event", "events", true, typeof(Corev1Event), ["ev"]);
        yield return R("", "v1", "PersistentVolume", "persistentvolumes", false, typeof(V1PersistentVolume), ["pv"], sub: status);
        yield return R("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, typeof(V1PersistentVolumeClaim), ["pvc"], sub: status);
        yield return R("", "v1", "ResourceQuota", "resourcequotas", true, typeof(V1ResourceQuota), ["quota"], sub: status);
        yield return R("", "v1", "LimitRange", "limitranges", true, typeof(V1LimitRange), ["limits"]);

        // apps/v1
        yield return R("apps", "v1", "Deployment", "deployments", true, typeof(V1Deployment), ["deploy"], all, statusScale);
        yield return R("apps", "v1", "ReplicaSet", "replicasets", true, typeof(V1ReplicaSet), ["rs"], all, statusScale);
        yield return R("apps", "v1", "StatefulSet", "statefulsets", true, typeof(V1StatefulSet), ["sts"], all, statusScale);
        yield return R("apps", "v1", "DaemonSet", "daemonsets", true, typeof(V1DaemonSet), ["ds"], all, status);
        yield return R("apps", "v1", "ControllerRevision", "controllerrevisions", true, typeof(V1ControllerRevision));

        // batch/v1
        yield return R("batch", "v1", "Job", "jobs", true, typeof(V1Job), categories: all, sub: status);
        yield return R("batch", "v1", "CronJob", "cronjobs", true, typeof(V1CronJob), ["cj"], all, status);

        yield return R("coordination.k8s.io", "v1", "Lease", "leases", true, typeof(V1Lease));
        yield return R("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, typeof(V1EndpointSlice));
        yield return R("events.k8s.io", "v1", "Event", "events", true, typeof(Eventsv1Event), ["ev"]);

        yield return R("networking.k8s.io", "v1", "Ingress", "ingresses", true, typeof(V1Ingress), ["ing"], sub: status);
        yield return R("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false, typeof(V1IngressClass));
        yield return R("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, typeof(V1NetworkPolicy), ["netpol"]);

        yield return R("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, typeof(V1PodDisruptionBudget), ["pdb"], sub: status);

        yield return R("rbac.authorization.k8s.io", "v1", "Role", "roles", true, typeof(V1Role));
        yield return R("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, typeof(V1RoleBinding));
        yield return R("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, typeof(V1ClusterRole));
        yield return R("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, typeof(V1ClusterRoleBinding));

        yield return R("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, typeof(V2HorizontalPodAutoscaler), ["hpa"], all, status);
        yield return R("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false, typeof(V1PriorityClass), ["pc"]);
        yield return R("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, typeof(V1StorageClass), ["sc"]);
    }
}

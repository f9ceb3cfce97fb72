using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Api.Validation;
using Timonel.Registry.Selectors;
using Timonel.Registry.Strategies;
using Timonel.Registry.Tables;

namespace Timonel.Registry.Resources;

/// <summary>The definitions of Timonel's built-in resources, in discovery order: the only list of them.</summary>
public static class BuiltInResources
{
    private static readonly string[] All = ["all"];

    // Upstream keeps the legacy groups' objects under /registry/<resource>/, a few under historical names.
    private static readonly string[] LegacyStorageGroups =
        ["", "apps", "batch", "policy", "autoscaling", "coordination.k8s.io", "rbac.authorization.k8s.io", "scheduling.k8s.io", "storage.k8s.io", "networking.k8s.io", "discovery.k8s.io",
         "admissionregistration.k8s.io", "flowcontrol.apiserver.k8s.io", "node.k8s.io", "certificates.k8s.io"];

    private static readonly string[] ApiExtensions = ["api-extensions"];

    private static readonly SubresourceDefinition Status = new("status", SubresourceHandler.Status);
    private static readonly SubresourceDefinition Scale = new("scale", SubresourceHandler.Scale);
    private static readonly SubresourceDefinition Proxy = new("proxy", SubresourceHandler.Proxy);

    /// <summary>A fresh list of the built-in definitions (definitions are immutable; the list is the caller's).</summary>
    public static IReadOnlyList<ResourceDefinition> Definitions() =>
    [
        // core/v1
        Core("Namespace", "namespaces", false, typeof(V1Namespace), new NamespaceStrategy(), new NamespaceTable(), ["ns"], sub: [Status, new("finalize", SubresourceHandler.Finalize)], fields: SelectableFieldTable.Namespaces, deletion: DeletePolicy.FinalizedNamespace),
        Core("Pod", "pods", true, typeof(V1Pod), new PodStrategy(), new PodTable(), ["po"], All, sub: [
                Status, new("binding", SubresourceHandler.Binding), new("eviction", SubresourceHandler.Eviction), new("resize", SubresourceHandler.Resize),
                new("log", SubresourceHandler.NodeStream), new("exec", SubresourceHandler.NodeStream), new("attach", SubresourceHandler.NodeStream), new("portforward", SubresourceHandler.NodeStream), Proxy,
            ], fields: SelectableFieldTable.Pods, deletion: DeletePolicy.GracefulPod),
        Core("Service", "services", true, typeof(V1Service), new ServiceStrategy(), new ServiceTable(), ["svc"], All, sub: [Status, Proxy], fields: SelectableFieldTable.Services),
        Core("Endpoints", "endpoints", true, typeof(V1Endpoints), new GenericStrategy(namespaced: true, hasStatus: false), new EndpointsTable(), ["ep"]),
        Core("ConfigMap", "configmaps", true, typeof(V1ConfigMap), new ConfigMapStrategy(), new ConfigMapTable(), ["cm"]),
        Core("Secret", "secrets", true, typeof(V1Secret), new SecretStrategy(), new SecretTable(), fields: SelectableFieldTable.Secrets),
        Core("ServiceAccount", "serviceaccounts", true, typeof(V1ServiceAccount), new GenericStrategy(namespaced: true, hasStatus: false), new ServiceAccountTable(), ["sa"], sub: [new("token", SubresourceHandler.Token)]),
        Core("Node", "nodes", false, typeof(V1Node), new NodeStrategy(), new NodeTable(), ["no"], sub: [Status, Proxy], fields: SelectableFieldTable.Nodes),
        Core("Event", "events", true, typeof(Corev1Event), new EventStrategy(eventsApi: false), EventTable.Core, ["ev"], fields: SelectableFieldTable.CoreEvents),
        Core("PersistentVolume", "persistentvolumes", false, typeof(V1PersistentVolume), new PersistentVolumeStrategy(), new PersistentVolumeTable(), ["pv"], sub: [Status]),
        Core("PersistentVolumeClaim", "persistentvolumeclaims", true, typeof(V1PersistentVolumeClaim), new PersistentVolumeClaimStrategy(), new PersistentVolumeClaimTable(), ["pvc"], sub: [Status]),
        Core("ResourceQuota", "resourcequotas", true, typeof(V1ResourceQuota), new ResourceQuotaStrategy(), new ResourceQuotaTable(), ["quota"], sub: [Status]),
        Core("LimitRange", "limitranges", true, typeof(V1LimitRange), new LimitRangeStrategy(), new CreatedAtTable(), ["limits"]),
        Core("PodTemplate", "podtemplates", true, typeof(V1PodTemplate), new PodTemplateStrategy(), new PodTemplateTable()),
        Core("ReplicationController", "replicationcontrollers", true, typeof(V1ReplicationController), new ReplicationControllerStrategy(), ReplicaSetTable.ForReplicationControllers(), ["rc"], All, sub: [Status, Scale]),

        // apps/v1
        Of("apps", "v1", "Deployment", "deployments", true, typeof(V1Deployment), new DeploymentStrategy(), new DeploymentTable(), ["deploy"], All, sub: [Status, Scale]),
        Of("apps", "v1", "ReplicaSet", "replicasets", true, typeof(V1ReplicaSet), new ReplicaSetStrategy(), ReplicaSetTable.ForReplicaSets(), ["rs"], All, sub: [Status, Scale]),
        Of("apps", "v1", "StatefulSet", "statefulsets", true, typeof(V1StatefulSet), new StatefulSetStrategy(), new StatefulSetTable(), ["sts"], All, sub: [Status, Scale]),
        Of("apps", "v1", "DaemonSet", "daemonsets", true, typeof(V1DaemonSet), new DaemonSetStrategy(), new DaemonSetTable(), ["ds"], All, sub: [Status]),
        Of("apps", "v1", "ControllerRevision", "controllerrevisions", true, typeof(V1ControllerRevision), new ControllerRevisionStrategy(), new ControllerRevisionTable()),

        // batch/v1
        Of("batch", "v1", "Job", "jobs", true, typeof(V1Job), new JobStrategy(), new JobTable(), categories: All, sub: [Status], fields: SelectableFieldTable.Jobs),
        Of("batch", "v1", "CronJob", "cronjobs", true, typeof(V1CronJob), new CronJobStrategy(), new CronJobTable(), ["cj"], All, sub: [Status]),

        Of("coordination.k8s.io", "v1", "Lease", "leases", true, typeof(V1Lease), new LeaseStrategy(), new LeaseTable()),
        Of("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, typeof(V1EndpointSlice), new EndpointSliceStrategy(), new EndpointSliceTable()),
        Of("events.k8s.io", "v1", "Event", "events", true, typeof(Eventsv1Event), new EventStrategy(eventsApi: true), EventTable.EventsV1, ["ev"], fields: SelectableFieldTable.EventsV1Events),

        Of("networking.k8s.io", "v1", "Ingress", "ingresses", true, typeof(V1Ingress), new IngressStrategy(), new IngressTable(), ["ing"], sub: [Status], storagePrefix: "/registry/ingress/"),
        Of("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false, typeof(V1IngressClass), new IngressClassStrategy(), new IngressClassTable()),
        Of("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, typeof(V1NetworkPolicy), new NetworkPolicyStrategy(), new NetworkPolicyTable(), ["netpol"]),
        Of("networking.k8s.io", "v1", "ServiceCIDR", "servicecidrs", false, typeof(V1ServiceCIDR), new ServiceCidrStrategy(), StoredKindTables.ServiceCidr, sub: [Status]),
        Of("networking.k8s.io", "v1", "IPAddress", "ipaddresses", false, typeof(V1IPAddress), new IpAddressStrategy(), StoredKindTables.IpAddress, ["ip"]),

        Of("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, typeof(V1PodDisruptionBudget), new PodDisruptionBudgetStrategy(), new PodDisruptionBudgetTable(), ["pdb"], sub: [Status]),

        Of("rbac.authorization.k8s.io", "v1", "Role", "roles", true, typeof(V1Role), new RoleStrategy(namespaced: true), new CreatedAtTable()),
        Of("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, typeof(V1RoleBinding), new RoleBindingStrategy(namespaced: true), RoleBindingTable.Namespaced),
        Of("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, typeof(V1ClusterRole), new RoleStrategy(namespaced: false), new CreatedAtTable()),
        Of("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, typeof(V1ClusterRoleBinding), new RoleBindingStrategy(namespaced: false), RoleBindingTable.Cluster),

        HorizontalPodAutoscalers.Definition(), // autoscaling/v2 stored, v1 converted
        Of("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false, typeof(V1PriorityClass), new PriorityClassStrategy(), new PriorityClassTable(), ["pc"]),
        Of("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, typeof(V1StorageClass), new StorageClassStrategy(), new StorageClassTable(), ["sc"]),

        // Stored only: upstream's defaulting and required fields; nothing in Timonel acts on them.
        Of("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false, typeof(V1MutatingWebhookConfiguration),
            Stored(false, o => StoredKindRules.WebhookDefaults(o, mutating: true), StoredKindRules.Webhooks), StoredKindTables.WebhookConfiguration, categories: ApiExtensions),
        Of("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", false, typeof(V1ValidatingAdmissionPolicy),
            Stored(true, StoredKindRules.AdmissionPolicyDefaults, StoredKindRules.AdmissionPolicy), StoredKindTables.ValidatingAdmissionPolicy, categories: ApiExtensions, sub: [Status]),
        Of("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", false, typeof(V1ValidatingAdmissionPolicyBinding),
            Stored(false, null, StoredKindRules.AdmissionPolicyBinding), StoredKindTables.ValidatingAdmissionPolicyBinding, categories: ApiExtensions),
        Of("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false, typeof(V1ValidatingWebhookConfiguration),
            Stored(false, o => StoredKindRules.WebhookDefaults(o, mutating: false), StoredKindRules.Webhooks), StoredKindTables.WebhookConfiguration, categories: ApiExtensions),
        CustomResources.CustomResourceDefinitions.BuiltIn(),
        Of("apiregistration.k8s.io", "v1", "APIService", "apiservices", false, typeof(V1APIService),
            Stored(true, StoredKindRules.ApiServiceDefaults, StoredKindRules.ApiService, NameRules.PathSegment), StoredKindTables.ApiService, categories: ApiExtensions, sub: [Status]),
        Of("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests", false, typeof(V1CertificateSigningRequest),
            new CertificateSigningRequestStrategy(), StoredKindTables.CertificateSigningRequest, ["csr"], sub: [Status, new("approval", SubresourceHandler.Status)]),
        Of("flowcontrol.apiserver.k8s.io", "v1", "FlowSchema", "flowschemas", false, typeof(V1FlowSchema),
            Stored(true, StoredKindRules.FlowSchemaDefaults, StoredKindRules.FlowSchema), StoredKindTables.FlowSchema, sub: [Status]),
        Of("flowcontrol.apiserver.k8s.io", "v1", "PriorityLevelConfiguration", "prioritylevelconfigurations", false, typeof(V1PriorityLevelConfiguration),
            Stored(true, StoredKindRules.PriorityLevelDefaults, StoredKindRules.PriorityLevel), StoredKindTables.PriorityLevelConfiguration, sub: [Status]),
        Of("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false, typeof(V1RuntimeClass), Stored(false, null, StoredKindRules.RuntimeClass), StoredKindTables.RuntimeClass),
        Of("storage.k8s.io", "v1", "CSIDriver", "csidrivers", false, typeof(V1CSIDriver), Stored(false, StoredKindRules.CsiDriverDefaults, StoredKindRules.CsiDriver), StoredKindTables.CsiDriver),
        Of("storage.k8s.io", "v1", "CSINode", "csinodes", false, typeof(V1CSINode), Stored(false, null, StoredKindRules.CsiNode), StoredKindTables.CsiNode),
        Of("storage.k8s.io", "v1", "CSIStorageCapacity", "csistoragecapacities", true, typeof(V1CSIStorageCapacity), Stored(false, null, StoredKindRules.CsiStorageCapacity, namespaced: true), StoredKindTables.CsiStorageCapacity),
        Of("storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", false, typeof(V1VolumeAttachment), Stored(true, null, StoredKindRules.VolumeAttachment), StoredKindTables.VolumeAttachment, sub: [Status]),

        // Served, never stored (NotStoredResources).
        .. NotStoredResources.Definitions(),
    ];

    private static StoredKindStrategy Stored(bool hasStatus, Action<System.Text.Json.Nodes.JsonObject>? defaults, Action<System.Text.Json.Nodes.JsonObject, List<Timonel.Api.Errors.FieldError>> validate, NameRule? nameRule = null, bool namespaced = false) =>
        new(namespaced, hasStatus, defaults, validate, nameRule);

    private static ResourceDefinition Core(
        string kind, string plural, bool namespaced, Type type, IResourceStrategy strategy, ITableConvertor table, string[]? shortNames = null, string[]? categories = null,
        SubresourceDefinition[]? sub = null, SelectableFields? fields = null, DeletePolicy? deletion = null) =>
        Of("", "v1", kind, plural, namespaced, type, strategy, table, shortNames, categories, sub, fields, deletion, plural switch
        {
            "nodes" => "/registry/minions/",
            "services" => "/registry/services/specs/",
            "replicationcontrollers" => "/registry/controllers/",
            _ => null,
        });

    private static ResourceDefinition Of(
        string group, string version, string kind, string plural, bool namespaced, Type type, IResourceStrategy strategy, ITableConvertor table, string[]? shortNames = null, string[]? categories = null,
        SubresourceDefinition[]? sub = null, SelectableFields? fields = null, DeletePolicy? deletion = null, string? storagePrefix = null) =>
        new(group, version, kind, plural, namespaced, type)
        {
            Strategy = strategy,
            Table = table,
            ShortNames = shortNames ?? [],
            Categories = categories ?? [],
            Subresources = sub ?? [],
            Fields = fields ?? SelectableFieldTable.Default,
            Deletion = deletion ?? DeletePolicy.Immediate,
            StoragePrefix = storagePrefix ?? (LegacyStorageGroups.Contains(group) ? $"/registry/{plural}/" : $"/registry/{group}/{plural}/"),
        };
}

using static Timonel.ApiServer.Registry.Rbac.Rules;

namespace Timonel.ApiServer.Registry.Rbac;

/// <summary>
/// Upstream 1.33's controller roles (controller_policy.go, default feature gates): one
/// ClusterRole system:controller:NAME per kube-controller-manager controller, each bound to the
/// service account kube-system/NAME the controller runs as with --use-service-account-credentials.
/// Feature-gated controllers that are off by default in 1.33 (resource claims, device taints) are
/// left out, as upstream leaves them out.
/// </summary>
internal static class ControllerRoles
{
    public const string Prefix = "system:controller:";

    /// <summary>(service account name, its role's rules).</summary>
    public static IEnumerable<(string Name, PolicyRule[] Rules)> All()
    {
        yield return ("attachdetach-controller",
        [
            Rule("list", "watch").Groups(Core).Resources("persistentvolumes", "persistentvolumeclaims"),
            Rule(Read).Groups(Core).Resources("nodes"),
            Rule("patch", "update").Groups(Core).Resources("nodes/status"),
            Rule("list", "watch").Groups(Core).Resources("pods"),
            EventsRule(),
            Rule("get", "create", "delete", "list", "watch").Groups(StorageGroup).Resources("volumeattachments"),
            Rule(Read).Groups(StorageGroup).Resources("csidrivers"),
            Rule(Read).Groups(StorageGroup).Resources("csinodes"),
        ]);
        yield return ("certificate-controller",
        [
            Rule("get", "list", "watch", "delete").Groups(Certificates).Resources("certificatesigningrequests"),
            Rule("update").Groups(Certificates).Resources("certificatesigningrequests/status", "certificatesigningrequests/approval"),
            Rule("approve").Groups(Certificates).Resources("signers").Names("kubernetes.io/kube-apiserver-client-kubelet"),
            Rule("sign").Groups(Certificates).Resources("signers").Names("kubernetes.io/legacy-unknown",
                "kubernetes.io/kube-apiserver-client", "kubernetes.io/kube-apiserver-client-kubelet", "kubernetes.io/kubelet-serving"),
            Rule("create").Groups(Authorization).Resources("subjectaccessreviews"),
            EventsRule(),
        ]);
        yield return ("clusterrole-aggregation-controller",
        [
            // escalate: it writes rules it does not itself hold.
            Rule("escalate", "get", "list", "watch", "update", "patch").Groups(RbacGroup).Resources("clusterroles"),
        ]);
        yield return ("cronjob-controller",
        [
            Rule("get", "list", "watch", "update").Groups(Batch).Resources("cronjobs"),
            Rule("get", "list", "watch", "create", "update", "delete", "patch").Groups(Batch).Resources("jobs"),
            Rule("update").Groups(Batch).Resources("cronjobs/status"),
            Rule("update").Groups(Batch).Resources("cronjobs/finalizers"),
            Rule("list", "watch", "delete").Groups(Core).Resources("pods"),
            EventsRule(),
        ]);
        yield return ("daemon-set-controller",
        [
            Rule(Read).Groups(Extensions, Apps).Resources("daemonsets"),
            Rule("update").Groups(Extensions, Apps).Resources("daemonsets/status"),
            Rule("update").Groups(Extensions, Apps).Resources("daemonsets/finalizers"),
            Rule("list", "watch").Groups(Core).Resources("nodes"),
            Rule("list", "watch", "create", "delete", "patch").Groups(Core).Resources("pods"),
            Rule("create").Groups(Core).Resources("pods/binding"),
            Rule("get", "list", "watch", "create", "delete", "update", "patch").Groups(Apps).Resources("controllerrevisions"),
            EventsRule(),
        ]);
        yield return ("deployment-controller",
        [
            Rule("get", "list", "watch", "update").Groups(Extensions, Apps).Resources("deployments"),
            Rule("update").Groups(Extensions, Apps).Resources("deployments/status"),
            Rule("update").Groups(Extensions, Apps).Resources("deployments/finalizers"),
            Rule("get", "list", "watch", "create", "update", "patch", "delete").Groups(Extensions, Apps).Resources("replicasets"),
            // Pods are only read; update for the legacy adoption path.
            Rule("get", "list", "watch", "update").Groups(Core).Resources("pods"),
            EventsRule(),
        ]);
        yield return ("disruption-controller",
        [
            Rule(Read).Groups(Extensions, Apps).Resources("deployments"),
            Rule(Read).Groups(Apps, Extensions).Resources("replicasets"),
            Rule(Read).Groups(Core).Resources("replicationcontrollers"),
            Rule(Read).Groups(Policy).Resources("poddisruptionbudgets"),
            Rule(Read).Groups(Apps).Resources("statefulsets"),
            Rule("update").Groups(Policy).Resources("poddisruptionbudgets/status"),
            Rule("patch", "update").Groups(Core).Resources("pods/status"),
            Rule("get").Groups("*").Resources("*/scale"),
            EventsRule(),
        ]);
        yield return ("endpoint-controller",
        [
            Rule(Read).Groups(Core).Resources("services", "pods"),
            Rule("get", "list", "create", "update", "delete", "watch").Groups(Core).Resources("endpoints"),
            Rule("create").Groups(Core).Resources("endpoints/restricted"),
            EventsRule(),
        ]);
        yield return ("endpointslice-controller",
        [
            Rule(Read).Groups(Core).Resources("services", "pods", "nodes"),
            // Owner references with blockOwnerDeletion on the service.
            Rule("update").Groups(Core).Resources("services/finalizers"),
            Rule("get", "list", "create", "update", "delete", "watch").Groups(Discovery).Resources("endpointslices"),
            EventsRule(),
        ]);
        yield return ("endpointslicemirroring-controller",
        [
            Rule(Read).Groups(Core).Resources("services", "endpoints"),
            Rule("update").Groups(Core).Resources("services/finalizers"),
            Rule("update").Groups(Core).Resources("endpoints/finalizers"),
            Rule("get", "list", "create", "update", "delete", "watch").Groups(Discovery).Resources("endpointslices"),
            EventsRule(),
        ]);
        yield return ("ephemeral-volume-controller",
        [
            Rule(Read).Groups(Core).Resources("pods"),
            Rule("update").Groups(Core).Resources("pods/finalizers"),
            Rule("get", "list", "watch", "create").Groups(Core).Resources("persistentvolumeclaims"),
            EventsRule(),
        ]);
        yield return ("expand-controller",
        [
            Rule("get", "list", "watch", "update", "patch").Groups(Core).Resources("persistentvolumes"),
            Rule("update", "patch").Groups(Core).Resources("persistentvolumeclaims/status"),
            Rule(Read).Groups(Core).Resources("persistentvolumeclaims"),
            EventsRule(),
        ]);
        yield return ("generic-garbage-collector",
        [
            Rule("get", "list", "watch", "patch", "update", "delete").Groups("*").Resources("*"),
            EventsRule(),
        ]);
        yield return ("horizontal-pod-autoscaler",
        [
            Rule(Read).Groups(Autoscaling).Resources("horizontalpodautoscalers"),
            Rule("update").Groups(Autoscaling).Resources("horizontalpodautoscalers/status"),
            Rule("get", "update").Groups("*").Resources("*/scale"),
            Rule("list", "watch").Groups(Core).Resources("pods"),
            Rule("list", "watch").Groups("metrics.k8s.io").Resources("pods"),
            Rule(Read).Groups("custom.metrics.k8s.io").Resources("*"),
            Rule(Read).Groups("external.metrics.k8s.io").Resources("*"),
            EventsRule(),
        ]);
        yield return ("job-controller",
        [
            Rule("get", "list", "watch", "update", "patch").Groups(Batch).Resources("jobs"),
            Rule("update").Groups(Batch).Resources("jobs/status"),
            Rule("update").Groups(Batch).Resources("jobs/finalizers"),
            Rule("list", "watch", "create", "delete", "patch").Groups(Core).Resources("pods"),
            EventsRule(),
        ]);
        yield return ("legacy-service-account-token-cleaner",
        [
            Rule("get").Groups(Core).Resources("configmaps").Names("kube-apiserver-legacy-service-account-token-tracking"),
            Rule("patch", "delete").Groups(Core).Resources("secrets"),
        ]);
        yield return ("namespace-controller",
        [
            Rule("get", "list", "watch", "delete").Groups(Core).Resources("namespaces"),
            Rule("update").Groups(Core).Resources("namespaces/finalize", "namespaces/status"),
            Rule("get", "list", "watch", "delete", "deletecollection").Groups("*").Resources("*"),
        ]);
        yield return ("node-controller",
        [
            Rule("get", "list", "update", "delete", "patch", "watch").Groups(Core).Resources("nodes"),
            Rule("patch", "update").Groups(Core).Resources("nodes/status"),
            // Marks pods NotReady when their node is.
            Rule("patch", "update").Groups(Core).Resources("pods/status"),
            Rule("list", "delete", "get", "watch").Groups(Core).Resources("pods"),
            EventsRule(),
        ]);
        yield return ("persistent-volume-binder",
        [
            Rule("get", "list", "watch", "update", "create", "delete").Groups(Core).Resources("persistentvolumes"),
            Rule("update").Groups(Core).Resources("persistentvolumes/status"),
            Rule("get", "list", "watch", "update").Groups(Core).Resources("persistentvolumeclaims"),
            Rule("update").Groups(Core).Resources("persistentvolumeclaims/status"),
            // Recycler pods.
            Rule("list", "watch", "get", "create", "delete").Groups(Core).Resources("pods"),
            Rule(Read).Groups(StorageGroup).Resources("storageclasses"),
            Rule("list", "watch").Groups(Core).Resources("nodes"),
            EventsRule(),
            Rule("watch").Groups(Core).Resources("events"),
        ]);
        yield return ("pod-garbage-collector",
        [
            Rule("list", "watch", "delete").Groups(Core).Resources("pods"),
            Rule(Read).Groups(Core).Resources("nodes"),
            Rule("patch").Groups(Core).Resources("pods/status"),
        ]);
        yield return ("pv-protection-controller",
        [
            Rule("get", "list", "watch", "update").Groups(Core).Resources("persistentvolumes"),
            EventsRule(),
        ]);
        yield return ("pvc-protection-controller",
        [
            Rule("get", "list", "watch", "update").Groups(Core).Resources("persistentvolumeclaims"),
            Rule("update").Groups(Core).Resources("persistentvolumeclaims/status"),
            Rule(Read).Groups(Core).Resources("pods"),
            EventsRule(),
        ]);
        yield return ("replicaset-controller",
        [
            Rule("get", "list", "watch", "update").Groups(Apps, Extensions).Resources("replicasets"),
            Rule("update").Groups(Apps, Extensions).Resources("replicasets/status"),
            Rule("update").Groups(Apps, Extensions).Resources("replicasets/finalizers"),
            Rule("list", "watch", "patch", "create", "delete").Groups(Core).Resources("pods"),
            EventsRule(),
        ]);
        yield return ("replication-controller",
        [
            Rule("get", "list", "watch", "update").Groups(Core).Resources("replicationcontrollers"),
            Rule("update").Groups(Core).Resources("replicationcontrollers/status"),
            Rule("update").Groups(Core).Resources("replicationcontrollers/finalizers"),
            Rule("list", "watch", "patch", "create", "delete").Groups(Core).Resources("pods"),
            EventsRule(),
        ]);
        yield return ("resourcequota-controller",
        [
            // Quota covers every resource, so it lists them all.
            Rule("list", "watch").Groups("*").Resources("*"),
            Rule("update").Groups(Core).Resources("resourcequotas/status"),
            EventsRule(),
        ]);
        yield return ("root-ca-cert-publisher",
        [
            Rule("create", "update").Groups(Core).Resources("configmaps"),
            EventsRule(),
        ]);
        yield return ("route-controller",
        [
            Rule("list", "watch").Groups(Core).Resources("nodes"),
            Rule("patch").Groups(Core).Resources("nodes/status"),
            EventsRule(),
        ]);
        yield return ("selinux-warning-controller",
        [
            EventsRule(),
            Rule(Read).Groups(Core).Resources("persistentvolumes"),
            Rule(Read).Groups(Core).Resources("persistentvolumeclaims"),
            Rule(Read).Groups(Core).Resources("pods"),
            Rule(Read).Groups(StorageGroup).Resources("csidrivers"),
        ]);
        yield return ("service-account-controller",
        [
            Rule("create").Groups(Core).Resources("serviceaccounts"),
            EventsRule(),
        ]);
        yield return ("service-cidrs-controller",
        [
            Rule("get", "list", "watch", "patch", "update").Groups(Networking).Resources("servicecidrs"),
            Rule("patch", "update").Groups(Networking).Resources("servicecidrs/finalizers"),
            Rule("patch", "update").Groups(Networking).Resources("servicecidrs/status"),
            Rule(Read).Groups(Networking).Resources("ipaddresses"),
            EventsRule(),
        ]);
        yield return ("service-controller",
        [
            Rule(Read).Groups(Core).Resources("services"),
            Rule("patch", "update").Groups(Core).Resources("services/status"),
            Rule("list", "watch").Groups(Core).Resources("nodes"),
            EventsRule(),
        ]);
        yield return ("statefulset-controller",
        [
            Rule("list", "watch").Groups(Core).Resources("pods"),
            Rule(Read).Groups(Apps).Resources("statefulsets"),
            Rule("update").Groups(Apps).Resources("statefulsets/status"),
            Rule("update").Groups(Apps).Resources("statefulsets/finalizers"),
            Rule("get", "create", "delete", "update", "patch").Groups(Core).Resources("pods"),
            Rule("get", "list", "watch", "create", "delete", "update", "patch").Groups(Apps).Resources("controllerrevisions"),
            Rule("get", "list", "watch", "create").Groups(Core).Resources("persistentvolumeclaims"),
            // Claims of scaled-down or deleted sets, under persistentVolumeClaimRetentionPolicy.
            Rule("update", "delete").Groups(Core).Resources("persistentvolumeclaims"),
            Rule("update").Groups(Core).Resources("pods/finalizers"),
            EventsRule(),
        ]);
        yield return ("ttl-after-finished-controller",
        [
            Rule("get", "list", "watch", "delete").Groups(Batch).Resources("jobs"),
            EventsRule(),
        ]);
        yield return ("ttl-controller",
        [
            Rule("update", "patch", "list", "watch").Groups(Core).Resources("nodes"),
            EventsRule(),
        ]);
        yield return ("validatingadmissionpolicy-status-controller",
        [
            Rule(Read).Groups("admissionregistration.k8s.io").Resources("validatingadmissionpolicies"),
            Rule("get", "patch", "update").Groups("admissionregistration.k8s.io").Resources("validatingadmissionpolicies/status"),
            EventsRule(),
        ]);
    }
}

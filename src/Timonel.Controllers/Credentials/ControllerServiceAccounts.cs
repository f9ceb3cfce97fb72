namespace Timonel.Controllers.Credentials;

/// <summary>
/// The service account in kube-system each controller acts as (upstream's names, from the
/// ClientOrDie calls of kube-controller-manager 1.33, whose bootstrap roles
/// system:controller:NAME are bound to them). Controllers that share an upstream account share it
/// here (node-controller, certificate-controller).
/// </summary>
public static class ControllerServiceAccounts
{
    public const string Namespace = "kube-system";

    private static readonly Dictionary<string, string> ByController = new(StringComparer.Ordinal)
    {
        ["nodeipam"] = "node-controller",
        ["nodelifecycle"] = "node-controller",
        ["replicaset"] = "replicaset-controller",
        ["replicationcontroller"] = "replication-controller",
        ["disruption"] = "disruption-controller",
        ["horizontalpodautoscaling"] = "horizontal-pod-autoscaler",
        ["pvc-protection"] = "pvc-protection-controller",
        ["pv-protection"] = "pv-protection-controller",
        ["ephemeral-volume"] = "ephemeral-volume-controller",
        ["persistentvolume-expander"] = "expand-controller",
        ["deployment"] = "deployment-controller",
        ["podgc"] = "pod-garbage-collector",
        ["statefulset"] = "statefulset-controller",
        ["daemonset"] = "daemon-set-controller",
        ["job"] = "job-controller",
        ["cronjob"] = "cronjob-controller",
        ["ttl-after-finished"] = "ttl-after-finished-controller",
        ["ttl"] = "ttl-controller",
        ["garbagecollector"] = "generic-garbage-collector",
        ["namespace"] = "namespace-controller",
        ["serviceaccount"] = "service-account-controller",
        ["legacy-serviceaccount-token-cleaner"] = "legacy-service-account-token-cleaner",
        ["endpoint"] = "endpoint-controller",
        ["endpointslice"] = "endpointslice-controller",
        ["endpointslicemirroring"] = "endpointslicemirroring-controller",
        ["resourcequota"] = "resourcequota-controller",
        ["root-ca-cert-publisher"] = "root-ca-cert-publisher",
        ["persistentvolume-binder"] = "persistent-volume-binder",
        ["service-cidr"] = "service-cidrs-controller",
        ["service-lb-controller"] = "service-controller",
        ["clusterrole-aggregation"] = "clusterrole-aggregation-controller",
        ["csrsigning"] = "certificate-controller",
        ["csrapproving"] = "certificate-controller",
        // Timonel's own; its ClusterRole timonel:controller:local-path-provisioner is bound to it.
        ["local-path-provisioner"] = "local-path-provisioner",
    };

    /// <summary>
    /// The account of the controller registered as <paramref name="controller"/>; null for the
    /// ones upstream runs with the controller manager's own credentials: serviceaccount-token
    /// (it makes the tokens the others would need) and any controller not in the table.
    /// </summary>
    public static string? For(string controller) => ByController.GetValueOrDefault(controller);
}

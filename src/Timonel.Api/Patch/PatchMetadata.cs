using System.Collections.Frozen;
using k8s.Models;

namespace Timonel.Api.Patch;

/// <summary>How strategic merge patch treats one list (or map) field: upstream's patchStrategy / patchMergeKey tags.</summary>
/// <param name="MergeKey">The key that identifies list items ("name", "containerPort"), or null for primitive lists.</param>
/// <param name="Strategy">"merge", "retainKeys" or "merge,retainKeys".</param>
public sealed record PatchStrategy(string? MergeKey, string Strategy)
{
    /// <summary>True when the list merges item by item (strategy "merge" or "merge,retainKeys").</summary>
    public bool Merges => Strategy.Split(',').Contains("merge", StringComparer.Ordinal);

    /// <summary>True when a map is replaced whole (strategy "replace").</summary>
    public bool Replaces => Strategy.Split(',').Contains("replace", StringComparer.Ordinal);
}

/// <summary>
/// The strategic-merge metadata of the model types (the patch helper fills the table; OpenAPI
/// publishes it as x-kubernetes-patch-merge-key / x-kubernetes-patch-strategy).
/// </summary>
public static class PatchMetadata
{
    private const string Merge = "merge";

    /// <summary>
    /// The patchStrategy / patchMergeKey struct tags of upstream's k8s.io/api and apimachinery
    /// types (as of Kubernetes 1.33) for the models the client library has. Fields absent here
    /// (tolerations, readinessGates, ...) have no tag upstream either: their lists are replaced.
    /// </summary>
    private static readonly FrozenDictionary<(Type Model, string Property), PatchStrategy> Table = new (Type, string, string?, string)[]
    {
        // meta/v1
        (typeof(V1ObjectMeta), "finalizers", null, Merge),
        (typeof(V1ObjectMeta), "ownerReferences", "uid", Merge),

        // core/v1 pods and containers
        (typeof(V1PodSpec), "volumes", "name", "merge,retainKeys"),
        (typeof(V1PodSpec), "initContainers", "name", Merge),
        (typeof(V1PodSpec), "containers", "name", Merge),
        (typeof(V1PodSpec), "ephemeralContainers", "name", Merge),
        (typeof(V1PodSpec), "imagePullSecrets", "name", Merge),
        (typeof(V1PodSpec), "hostAliases", "ip", Merge),
        (typeof(V1PodSpec), "topologySpreadConstraints", "topologyKey", Merge),
        (typeof(V1PodSpec), "schedulingGates", "name", Merge),
        (typeof(V1PodSpec), "resourceClaims", "name", "merge,retainKeys"),
        (typeof(V1Container), "ports", "containerPort", Merge),
        (typeof(V1Container), "env", "name", Merge),
        (typeof(V1Container), "volumeMounts", "mountPath", Merge),
        (typeof(V1Container), "volumeDevices", "devicePath", Merge),
        (typeof(V1EphemeralContainer), "ports", "containerPort", Merge),
        (typeof(V1EphemeralContainer), "env", "name", Merge),
        (typeof(V1EphemeralContainer), "volumeMounts", "mountPath", Merge),
        (typeof(V1EphemeralContainer), "volumeDevices", "devicePath", Merge),
        (typeof(V1ContainerStatus), "volumeMounts", "mountPath", Merge),
        (typeof(V1ContainerStatus), "allocatedResourcesStatus", "name", Merge),
        (typeof(V1PodStatus), "conditions", "type", Merge),
        (typeof(V1PodStatus), "hostIPs", "ip", Merge),
        (typeof(V1PodStatus), "podIPs", "ip", Merge),
        (typeof(V1PodStatus), "resourceClaimStatuses", "name", "merge,retainKeys"),

        // core/v1 other kinds
        (typeof(V1ReplicationControllerStatus), "conditions", "type", Merge),
        (typeof(V1ServiceSpec), "ports", "port", Merge),
        (typeof(V1ServiceStatus), "conditions", "type", Merge),
        (typeof(V1ServiceAccount), "secrets", "name", Merge),
        (typeof(V1NodeSpec), "podCIDRs", null, Merge),
        (typeof(V1NodeStatus), "conditions", "type", Merge),
        (typeof(V1NodeStatus), "addresses", "type", Merge),
        (typeof(V1NamespaceStatus), "conditions", "type", Merge),
        (typeof(V1PersistentVolumeClaimStatus), "conditions", "type", Merge),
        (typeof(V1ComponentStatus), "conditions", "type", Merge),

        // apps/v1
        (typeof(V1DeploymentSpec), "strategy", null, "retainKeys"),
        (typeof(V1DeploymentStatus), "conditions", "type", Merge),
        (typeof(V1StatefulSetStatus), "conditions", "type", Merge),
        (typeof(V1DaemonSetStatus), "conditions", "type", Merge),
        (typeof(V1ReplicaSetStatus), "conditions", "type", Merge),

        // batch, policy, autoscaling, networking, storage
        (typeof(V1JobStatus), "conditions", "type", Merge),
        (typeof(V1PodDisruptionBudgetSpec), "selector", null, "replace"),
        (typeof(V1PodDisruptionBudgetStatus), "conditions", "type", Merge),
        (typeof(V2HorizontalPodAutoscalerStatus), "conditions", "type", Merge),
        (typeof(V1CSINodeSpec), "drivers", "name", Merge),
    }.ToFrozenDictionary(e => (e.Item1, e.Item2), e => new PatchStrategy(e.Item3, e.Item4));

    /// <summary>Every tagged field, for OpenAPI and for tests.</summary>
    public static IEnumerable<(Type Model, string Property, PatchStrategy Strategy)> All =>
        Table.Select(e => (e.Key.Model, e.Key.Property, e.Value));

    /// <summary>The strategy of <paramref name="jsonProperty"/> on <paramref name="modelType"/> (e.g. V1PodSpec, "containers"), or null for replace.</summary>
    public static PatchStrategy? For(Type modelType, string jsonProperty) =>
        Table.TryGetValue((modelType, jsonProperty), out var strategy) ? strategy : null;
}

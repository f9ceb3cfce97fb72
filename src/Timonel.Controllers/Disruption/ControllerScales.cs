using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Controllers.Deployment;

namespace Timonel.Controllers.Disruption;

/// <summary>
/// How many pods the controllers of a budget's pods want (upstream's getExpectedScale and its
/// finders): a pod's ReplicationController, its ReplicaSet's Deployment (or the ReplicaSet when
/// no Deployment controls it), or its StatefulSet, each counted once.
/// </summary>
internal sealed class ControllerScales(
    SharedInformer<V1ReplicationController> replicationControllers,
    SharedInformer<V1ReplicaSet> replicaSets,
    SharedInformer<V1Deployment> deployments,
    SharedInformer<V1StatefulSet> statefulSets)
{
    /// <summary>The informers a sync reads: the controller waits for them to fill first.</summary>
    public IReadOnlyList<ISharedInformer> Informers => [replicationControllers, replicaSets, deployments, statefulSets];

    /// <summary>
    /// The sum of the scales of the pods' controllers, and the pods with no controller at all.
    /// </summary>
    /// <exception cref="InvalidOperationException">A pod's controller is not one of the kinds that have a scale, or is gone.</exception>
    public (int Expected, List<string> Unmanaged) ExpectedScale(IEnumerable<V1Pod> pods)
    {
        var scales = new Dictionary<string, int>(StringComparer.Ordinal);
        var unmanaged = new List<string>();
        foreach (var pod in pods)
        {
            var owner = ObjectSelectors.ControllerOf(pod.Metadata);
            if (owner is null)
            {
                unmanaged.Add(pod.Metadata.Name);
                continue;
            }

            if (scales.ContainsKey(owner.Uid))
            {
                continue;
            }

            var found = Find(owner, pod.Metadata.NamespaceProperty)
                ?? throw new InvalidOperationException($"found no controllers for pod \"{pod.Metadata.Name}\"");
            scales[found.Uid] = found.Scale;
        }

        return (scales.Values.Sum(), unmanaged);
    }

    /// <summary>An int-or-percent of <paramref name="total"/>, percentages rounded up as upstream's GetScaledValueFromIntOrPercent.</summary>
    public static int Scaled(IntOrString value, int total) => RolloutMath.Scaled(value, total, roundUp: true);

    /// <summary>True when the value is a percentage ("50%") rather than a count.</summary>
    public static bool IsPercent(IntOrString value) => k8s.KubernetesJson.Serialize(value).Trim('"').EndsWith('%');

    private (string Uid, int Scale)? Find(V1OwnerReference owner, string ns)
    {
        var group = owner.ApiVersion.Contains('/', StringComparison.Ordinal) ? owner.ApiVersion[..owner.ApiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
        switch (group, owner.Kind)
        {
            case ("", "ReplicationController"):
                return Matching(replicationControllers, ns, owner) is { } rc ? (rc.Metadata.Uid, rc.Spec?.Replicas ?? 1) : null;
            case ("apps", "ReplicaSet"):
                if (Matching(replicaSets, ns, owner) is not { } rs)
                {
                    return null;
                }

                // A ReplicaSet of a Deployment scales with the Deployment: the rollout's surplus is not expected.
                if (ObjectSelectors.ControllerOf(rs.Metadata) is { Kind: "Deployment" } deploymentRef
                    && deploymentRef.ApiVersion.StartsWith("apps/", StringComparison.Ordinal))
                {
                    return Matching(deployments, ns, deploymentRef) is { } deployment ? (deployment.Metadata.Uid, deployment.Spec?.Replicas ?? 1) : null;
                }

                return (rs.Metadata.Uid, rs.Spec?.Replicas ?? 1);
            case ("apps", "StatefulSet"):
                return Matching(statefulSets, ns, owner) is { } set ? (set.Metadata.Uid, set.Spec?.Replicas ?? 1) : null;
            default:
                return null;
        }
    }

    // The finders compare UIDs: a controller deleted and recreated under the same name is another one.
    private static T? Matching<T>(SharedInformer<T> informer, string ns, V1OwnerReference owner)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta> =>
        informer.Cache.Get(ns, owner.Name) is { } found && found.Metadata.Uid == owner.Uid ? found : null;
}

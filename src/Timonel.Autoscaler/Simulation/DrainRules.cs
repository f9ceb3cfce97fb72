using k8s.Models;
using Timonel.Client.Controllers;

namespace Timonel.Autoscaler.Simulation;

/// <summary>
/// Which pods of a node must move before it can go, and which pods forbid removing it, with
/// upstream's defaults (--skip-nodes-with-system-pods, --skip-nodes-with-local-storage on).
/// </summary>
internal static class DrainRules
{
    public const string SafeToEvict = "cluster-autoscaler.kubernetes.io/safe-to-evict";
    public const string ScaleDownDisabled = "cluster-autoscaler.kubernetes.io/scale-down-disabled";
    public const string MirrorAnnotation = "kubernetes.io/config.mirror";

    /// <summary>Pods that count on the node: not finished, not already being deleted.</summary>
    public static bool IsActive(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null && pod.Status?.Phase is not ("Succeeded" or "Failed");

    /// <summary>DaemonSet and mirror pods stay with their node: they are not moved, and they do not block.</summary>
    public static bool StaysWithNode(V1Pod pod) =>
        pod.Metadata.Annotations?.ContainsKey(MirrorAnnotation) == true
        || pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Kind == "DaemonSet") == true;

    /// <summary>
    /// Why <paramref name="pod"/> cannot be moved (null when it can). <paramref name="pdbAllowances"/>
    /// holds each matching budget's remaining disruptions (keyed namespace/name) and is spent as pods are chosen.
    /// </summary>
    public static string? BlockReason(V1Pod pod, IReadOnlyList<V1PodDisruptionBudget> pdbs, Dictionary<string, int> pdbAllowances)
    {
        var annotation = pod.Metadata.Annotations is { } a && a.TryGetValue(SafeToEvict, out var v) ? v : null;
        if (annotation == "false")
        {
            return $"pod {Key(pod)} has annotation {SafeToEvict}=false";
        }

        var matching = pdbs.Where(p => p.Metadata.NamespaceProperty == pod.Metadata.NamespaceProperty && Matches(p, pod)).ToList();
        if (annotation != "true")
        {
            if (pod.Metadata.OwnerReferences?.Any(o => o.Controller == true) != true)
            {
                return $"pod {Key(pod)} is not replicated (no controller would recreate it)";
            }

            if (pod.Metadata.NamespaceProperty == "kube-system" && matching.Count == 0)
            {
                return $"non-daemonset, non-mirrored, non-pdb-assigned kube-system pod {Key(pod)} present";
            }

            if (pod.Spec.Volumes?.FirstOrDefault(v => v.EmptyDir is not null || v.HostPath is not null) is { } local)
            {
                return $"pod {Key(pod)} with local storage present (volume {local.Name})";
            }
        }

        foreach (var pdb in matching)
        {
            var key = $"{pdb.Metadata.NamespaceProperty}/{pdb.Metadata.Name}";
            var left = pdbAllowances.TryGetValue(key, out var n) ? n : pdb.Status?.DisruptionsAllowed ?? 0;
            if (left < 1)
            {
                return $"not enough pod disruption budget to move {Key(pod)} (PodDisruptionBudget {pdb.Metadata.Name})";
            }
        }

        foreach (var pdb in matching)
        {
            var key = $"{pdb.Metadata.NamespaceProperty}/{pdb.Metadata.Name}";
            pdbAllowances[key] = (pdbAllowances.TryGetValue(key, out var n) ? n : pdb.Status?.DisruptionsAllowed ?? 0) - 1;
        }

        return null;
    }

    private static bool Matches(V1PodDisruptionBudget pdb, V1Pod pod)
    {
        try
        {
            // A null selector selects nothing, as the disruption controller reads it.
            return pdb.Spec?.Selector is { } selector && ObjectSelectors.Matches(ObjectSelectors.From(selector), pod.Metadata);
        }
        catch (Timonel.Api.Errors.ApiException)
        {
            return false;
        }
    }

    private static string Key(V1Pod pod) => $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";
}

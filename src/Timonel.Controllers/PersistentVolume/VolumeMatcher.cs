using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Client.Controllers;

namespace Timonel.Controllers.PersistentVolume;

/// <summary>
/// Upstream's findMatchingVolume in basic form: a volume pre-bound to the claim wins; otherwise
/// the smallest available volume of the claim's class, volume mode and access modes, at least
/// as large as the request, matching the claim's selector and, for a delayed-binding claim, the
/// selected node.
/// </summary>
public static class VolumeMatcher
{
    public static V1PersistentVolume? FindBest(V1PersistentVolumeClaim claim, IEnumerable<V1PersistentVolume> volumes, V1Node? node, bool delayBinding)
    {
        var request = StorageOf(claim.Spec?.Resources?.Requests);
        var selector = claim.Spec?.Selector is { } s ? ObjectSelectors.From(s) : null;
        V1PersistentVolume? best = null;
        foreach (var pv in volumes)
        {
            if (pv.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            var preBound = pv.Spec.ClaimRef is { } r && r.NamespaceProperty == claim.Metadata.NamespaceProperty && r.Name == claim.Metadata.Name && (string.IsNullOrEmpty(r.Uid) || r.Uid == claim.Metadata.Uid);
            if (pv.Spec.ClaimRef is not null && !preBound)
            {
                continue;
            }

            if ((pv.Spec.StorageClassName ?? string.Empty) != (claim.Spec?.StorageClassName ?? string.Empty)
                || (pv.Spec.VolumeMode ?? "Filesystem") != (claim.Spec?.VolumeMode ?? "Filesystem")
                || !(claim.Spec?.AccessModes ?? []).All(m => pv.Spec.AccessModes?.Contains(m) == true)
                || StorageOf(pv.Spec.Capacity) < request
                || (selector is not null && !ObjectSelectors.Matches(selector, pv.Metadata)))
            {
                continue;
            }

            if (pv.Spec.NodeAffinity?.Required is { } required && delayBinding && (node is null || !Matches(required, node)))
            {
                continue;
            }

            if (preBound)
            {
                return pv;
            }

            if (best is null || StorageOf(pv.Spec.Capacity) < StorageOf(best.Spec.Capacity))
            {
                best = pv;
            }
        }

        return best;
    }

    public static decimal StorageOf(IDictionary<string, ResourceQuantity>? list) =>
        list?.TryGetValue("storage", out var q) == true ? q.ToDecimal() : 0;

    /// <summary>
    /// The volume's node affinity against the node. A node without the hostname label is read as
    /// labelled with its name, so volumes pinned by hostname fit nodes registered without it.
    /// </summary>
    public static bool Matches(V1NodeSelector selector, V1Node node)
    {
        var labels = new Dictionary<string, string>(node.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        labels.TryAdd(VolumeAnnotations.HostnameLabel, node.Metadata.Name);
        return NodeSelectorMatcher.From(selector).Matches(labels, node.Metadata.Name);
    }
}

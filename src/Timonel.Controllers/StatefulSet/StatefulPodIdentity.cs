using System.Globalization;
using k8s;
using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Controllers.History;

namespace Timonel.Controllers.StatefulSet;

/// <summary>
/// The stable identity a StatefulSet gives each ordinal: pod name &lt;set&gt;-&lt;ordinal&gt;, its labels,
/// hostname and subdomain, and one claim &lt;template&gt;-&lt;set&gt;-&lt;ordinal&gt; per volumeClaimTemplate.
/// </summary>
public static class StatefulPodIdentity
{
    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";

    public static string PodName(string setName, int ordinal) => $"{setName}-{ordinal.ToString(CultureInfo.InvariantCulture)}";

    public static string ClaimName(string claimTemplate, string setName, int ordinal) => $"{claimTemplate}-{PodName(setName, ordinal)}";

    /// <summary>The ordinal in a name "&lt;set&gt;-&lt;n&gt;" of this set, or null when the name is not one of its members'.</summary>
    public static int? OrdinalOf(string setName, string podName)
    {
        if (podName.Length <= setName.Length + 1 || !podName.StartsWith(setName + "-", StringComparison.Ordinal))
        {
            return null;
        }

        var digits = podName.AsSpan(setName.Length + 1);
        if (digits.Length > 1 && digits[0] == '0')
        {
            return null;
        }

        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>The first ordinal (spec.ordinals.start, else 0).</summary>
    public static int StartOrdinal(V1StatefulSet set) => set.Spec.Ordinals?.Start ?? 0;

    /// <summary>A new pod for <paramref name="ordinal"/> from the template a revision recorded.</summary>
    public static V1Pod NewPod(V1StatefulSet set, V1PodTemplateSpec template, int ordinal, string revisionName)
    {
        var copy = KubernetesJson.Deserialize<V1PodTemplateSpec>(KubernetesJson.Serialize(template));
        var name = PodName(set.Metadata.Name, ordinal);
        var labels = new Dictionary<string, string>(copy.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [PodNameLabel] = name,
            [PodIndexLabel] = ordinal.ToString(CultureInfo.InvariantCulture),
            [RevisionHistory.HashLabel] = revisionName,
        };
        var spec = copy.Spec;
        spec.Hostname = name;
        spec.Subdomain = string.IsNullOrEmpty(set.Spec.ServiceName) ? spec.Subdomain : set.Spec.ServiceName;
        var claimVolumes = (set.Spec.VolumeClaimTemplates ?? []).Select(c => new V1Volume
        {
            Name = c.Metadata.Name,
            PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = ClaimName(c.Metadata.Name, set.Metadata.Name, ordinal) },
        }).ToList();
        if (claimVolumes.Count > 0)
        {
            // A claim template replaces a template volume of the same name, as upstream does.
            var names = claimVolumes.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
            spec.Volumes = [.. (spec.Volumes ?? []).Where(v => !names.Contains(v.Name)), .. claimVolumes];
        }

        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = set.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = copy.Metadata?.Annotations,
                Finalizers = copy.Metadata?.Finalizers,
                OwnerReferences = [ControllerRefs.ControllerRef("apps/v1", "StatefulSet", set.Metadata)],
            },
            Spec = spec,
        };
    }

    /// <summary>The claims pod <paramref name="ordinal"/> mounts, labelled with the set's selector labels.</summary>
    public static IEnumerable<V1PersistentVolumeClaim> NewClaims(V1StatefulSet set, int ordinal)
    {
        foreach (var template in set.Spec.VolumeClaimTemplates ?? [])
        {
            var copy = KubernetesJson.Deserialize<V1PersistentVolumeClaim>(KubernetesJson.Serialize(template));
            var labels = new Dictionary<string, string>(copy.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            foreach (var (k, v) in set.Spec.Selector?.MatchLabels ?? new Dictionary<string, string>())
            {
                labels[k] = v;
            }

            var owners = set.Spec.PersistentVolumeClaimRetentionPolicy?.WhenDeleted == "Delete"
                ? new List<V1OwnerReference> { ControllerRefs.ControllerRef("apps/v1", "StatefulSet", set.Metadata) with { Controller = null } }
                : null;
            yield return new V1PersistentVolumeClaim
            {
                ApiVersion = "v1",
                Kind = "PersistentVolumeClaim",
                Metadata = new V1ObjectMeta
                {
                    Name = ClaimName(template.Metadata.Name, set.Metadata.Name, ordinal),
                    NamespaceProperty = set.Metadata.NamespaceProperty,
                    Labels = labels,
                    Annotations = copy.Metadata?.Annotations,
                    OwnerReferences = owners,
                },
                Spec = copy.Spec,
            };
        }
    }
}

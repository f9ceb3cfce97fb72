using k8s.Models;
using Timonel.Client.Controllers;

namespace Timonel.Controllers.VolumeProtection;

/// <summary>Which claims a pod uses, as upstream's pvc-protection controller judges it.</summary>
internal static class ClaimUse
{
    /// <summary>
    /// True when a scheduled pod names the claim: a pod not yet on a node holds nothing (the
    /// kubelet refuses to start one whose claim is being deleted). A generic ephemeral volume's
    /// claim (&lt;pod&gt;-&lt;volume&gt;) is used until its pod has finished.
    /// </summary>
    public static bool Uses(V1Pod pod, string claim)
    {
        if (string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            return false;
        }

        return (pod.Spec.Volumes ?? []).Any(volume =>
            PodClaims.ClaimName(pod, volume) == claim
            && (volume.Ephemeral is null || pod.Status?.Phase is not ("Succeeded" or "Failed")));
    }

    /// <summary>Every claim name the pod refers to, directly or through an ephemeral volume.</summary>
    public static IEnumerable<string> ClaimNames(V1Pod pod) =>
        (pod.Spec?.Volumes ?? []).Select(volume => PodClaims.ClaimName(pod, volume)).OfType<string>().Where(name => name.Length > 0);
}

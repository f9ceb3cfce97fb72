using k8s.Models;

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

        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            if (volume.PersistentVolumeClaim?.ClaimName == claim)
            {
                return true;
            }

            if (volume.Ephemeral is not null && Timonel.Client.Controllers.PodClaims.EphemeralClaimName(pod, volume) == claim && pod.Status?.Phase is not ("Succeeded" or "Failed"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Every claim name the pod refers to, directly or through an ephemeral volume.</summary>
    public static IEnumerable<string> ClaimNames(V1Pod pod)
    {
        foreach (var volume in pod.Spec?.Volumes ?? [])
        {
            if (volume.PersistentVolumeClaim?.ClaimName is { Length: > 0 } name)
            {
                yield return name;
            }
            else if (volume.Ephemeral is not null)
            {
                yield return Timonel.Client.Controllers.PodClaims.EphemeralClaimName(pod, volume);
            }
        }
    }
}

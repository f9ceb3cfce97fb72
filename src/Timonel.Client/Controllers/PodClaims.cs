using k8s.Models;

namespace Timonel.Client.Controllers;

/// <summary>
/// The PersistentVolumeClaims a pod's volumes stand for (upstream's component-helpers
/// ephemeral package): a persistentVolumeClaim volume names its claim; a generic ephemeral
/// volume's claim is &lt;pod&gt;-&lt;volume&gt;, created for the pod by the ephemeral-volume controller.
/// </summary>
public static class PodClaims
{
    /// <summary>The claim <paramref name="volume"/> of <paramref name="pod"/> mounts, or null for other volume kinds.</summary>
    public static string? ClaimName(V1Pod pod, V1Volume volume)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(volume);
        if (volume.PersistentVolumeClaim?.ClaimName is { } named)
        {
            return named;
        }

        return volume.Ephemeral is null ? null : EphemeralClaimName(pod, volume);
    }

    /// <summary>The name of a generic ephemeral volume's claim.</summary>
    public static string EphemeralClaimName(V1Pod pod, V1Volume volume) => $"{pod.Metadata.Name}-{volume.Name}";

    /// <summary>
    /// Null when <paramref name="claim"/> was made for <paramref name="pod"/> (the pod is its
    /// controller); else upstream's error: a claim of the same name made by someone else must not be used.
    /// </summary>
    public static string? NotForPod(V1Pod pod, V1PersistentVolumeClaim claim)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(claim);
        return ObjectSelectors.ControllerOf(claim.Metadata)?.Uid == pod.Metadata.Uid && pod.Metadata.Uid is not null
            ? null
            : $"PVC {claim.Metadata.NamespaceProperty}/{claim.Metadata.Name} was not created for pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} (pod is not owner)";
    }
}

using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// persistentVolumeClaim and generic ephemeral volumes (whose claim the ephemeral-volume
/// controller made for the pod): the bound PersistentVolume's hostPath or local path on this node. A
/// hostPath PV is checked by its type, so a local-path PV (DirectoryOrCreate) gets its directory
/// created here, on the node that uses it.
/// </summary>
public sealed class PersistentVolumeClaimVolumePlugin : IVolumePlugin
{
    public string Name => "kubernetes.io~pvc";

    public bool RefreshesContent => false;

    public bool CanHandle(V1Volume volume) => volume.PersistentVolumeClaim is not null || volume.Ephemeral is not null;

    public async Task<MountedVolume> SetUpAsync(VolumeContext context, V1Volume volume, CancellationToken cancellationToken)
    {
        var claimName = Timonel.Client.Controllers.PodClaims.ClaimName(context.Pod, volume)!;
        V1PersistentVolumeClaim claim;
        try
        {
            claim = await context.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(claimName, context.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new VolumeException($"persistentvolumeclaim \"{claimName}\" not found");
        }

        if (volume.Ephemeral is not null && Timonel.Client.Controllers.PodClaims.NotForPod(context.Pod, claim) is { } notOwned)
        {
            throw new VolumeException(notOwned);
        }

        if (string.IsNullOrEmpty(claim.Spec?.VolumeName) || claim.Status?.Phase != "Bound")
        {
            throw new VolumeException($"error processing PVC {context.Namespace}/{claimName}: PVC is not bound");
        }

        V1PersistentVolume pv;
        try
        {
            pv = await context.Client.CoreV1.ReadPersistentVolumeAsync(claim.Spec.VolumeName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new VolumeException($"persistentvolume \"{claim.Spec.VolumeName}\" bound to claim {context.Namespace}/{claimName} not found");
        }

        string path;
        if (pv.Spec.HostPath is { } hostPath)
        {
            HostPathVolumePlugin.CheckType(hostPath.Path, hostPath.Type);
            path = hostPath.Path;
        }
        else if (pv.Spec.Local is { } local)
        {
            if (!Directory.Exists(local.Path) && !File.Exists(local.Path))
            {
                throw new VolumeException($"local volume path {local.Path} of persistentvolume \"{pv.Metadata.Name}\" does not exist on this node");
            }

            path = local.Path;
        }
        else
        {
            throw new VolumeException($"persistentvolume \"{pv.Metadata.Name}\" has a volume source this node cannot mount (hostPath and local are supported)");
        }

        return new MountedVolume(path, ReadOnly: volume.PersistentVolumeClaim?.ReadOnlyProperty == true);
    }
}

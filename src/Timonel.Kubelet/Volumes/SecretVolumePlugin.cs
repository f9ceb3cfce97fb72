using k8s.Models;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// secret: the Secret's keys as files, written atomically and refreshed on every resync.
/// Upstream keeps them on a tmpfs; here they live on the agent's disk under the pod's dir.
/// </summary>
public sealed class SecretVolumePlugin : IVolumePlugin
{
    public string Name => "kubernetes.io~secret";

    public bool RefreshesContent => true;

    public bool CanHandle(V1Volume volume) => volume.Secret is not null;

    public async Task<MountedVolume> SetUpAsync(VolumeContext context, V1Volume volume, CancellationToken cancellationToken)
    {
        var source = volume.Secret;
        var files = await ContentSources.SecretAsync(context.Client, context.Namespace, source.SecretName, source.Items, source.Optional == true, source.DefaultMode ?? ContentSources.DefaultMode, cancellationToken).ConfigureAwait(false);
        var dir = context.VolumeDir(this, volume);
        AtomicWriter.Write(dir, files, context.Time);
        return new MountedVolume(dir, ReadOnly: true);
    }
}

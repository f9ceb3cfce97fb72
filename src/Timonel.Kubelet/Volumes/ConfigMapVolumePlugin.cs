using k8s.Models;

namespace Timonel.Kubelet.Volumes;

/// <summary>configMap: the ConfigMap's keys as files, written atomically and refreshed on every resync.</summary>
public sealed class ConfigMapVolumePlugin : IVolumePlugin
{
    public string Name => "kubernetes.io~configmap";

    public bool RefreshesContent => true;

    public bool CanHandle(V1Volume volume) => volume.ConfigMap is not null;

    public async Task<MountedVolume> SetUpAsync(VolumeContext context, V1Volume volume, CancellationToken cancellationToken)
    {
        var source = volume.ConfigMap;
        var files = await ContentSources.ConfigMapAsync(context.Client, context.Namespace, source.Name, source.Items, source.Optional == true, source.DefaultMode ?? ContentSources.DefaultMode, cancellationToken).ConfigureAwait(false);
        var dir = context.VolumeDir(this, volume);
        AtomicWriter.Write(dir, files, context.Time);
        return new MountedVolume(dir, ReadOnly: true);
    }
}

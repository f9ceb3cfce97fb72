using k8s.Models;

namespace Timonel.Kubelet.Volumes;

/// <summary>downwardAPI: pod metadata and container resources as files, refreshed on every resync (labels may change).</summary>
public sealed class DownwardApiVolumePlugin : IVolumePlugin
{
    public string Name => "kubernetes.io~downward-api";

    public bool RefreshesContent => true;

    public bool CanHandle(V1Volume volume) => volume.DownwardAPI is not null;

    public Task<MountedVolume> SetUpAsync(VolumeContext context, V1Volume volume, CancellationToken cancellationToken)
    {
        var files = DownwardApiFiles.Build(context.Pod, volume.DownwardAPI.Items, volume.DownwardAPI.DefaultMode ?? ContentSources.DefaultMode);
        var dir = context.VolumeDir(this, volume);
        AtomicWriter.Write(dir, files, context.Time);
        return Task.FromResult(new MountedVolume(dir, ReadOnly: true));
    }
}

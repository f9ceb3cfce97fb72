using k8s.Models;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// emptyDir: a directory under the pod's dir, shared by its containers, removed with the pod.
/// medium Memory mounts a tmpfs sized by sizeLimit. A sizeLimit on disk is enforced by eviction,
/// as upstream: the pod worker measures the directory (<see cref="EmptyDirLimits"/>).
/// </summary>
public sealed class EmptyDirVolumePlugin : IVolumePlugin
{
    public string Name => "kubernetes.io~empty-dir";

    public bool RefreshesContent => false;

    public bool CanHandle(V1Volume volume) => volume.EmptyDir is not null;

    public Task<MountedVolume> SetUpAsync(VolumeContext context, V1Volume volume, CancellationToken cancellationToken)
    {
        var dir = context.VolumeDir(this, volume);
        Directory.CreateDirectory(dir);
        if (volume.EmptyDir.Medium == "Memory")
        {
            if (!VolumeSyscalls.MountsUnder(dir).Contains(dir, StringComparer.Ordinal))
            {
                var size = volume.EmptyDir.SizeLimit is { } limit ? (long)limit.ToDecimal() : 0;
                VolumeSyscalls.MountTmpfs(dir, size);
            }
        }
        else if (volume.EmptyDir.Medium is { Length: > 0 } medium)
        {
            throw new VolumeException($"emptyDir medium \"{medium}\" is not supported on this node (use \"\" or \"Memory\")");
        }
        else
        {
            // Any container user may write to an emptyDir, as upstream (0777).
            VolumeSyscalls.SetMode(dir, 0x1FF);
        }

        return Task.FromResult(new MountedVolume(dir, ReadOnly: false));
    }
}

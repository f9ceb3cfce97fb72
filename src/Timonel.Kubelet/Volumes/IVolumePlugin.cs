using k8s.Models;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// One kind of pod volume (upstream's volume plugin). <see cref="SetUpAsync"/> makes the volume
/// ready on the node and says which host path containers mount; it is idempotent. Content
/// plugins (<see cref="RefreshesContent"/>) are called again on every resync so that a changed
/// ConfigMap, Secret, pod label or expiring token reaches the files. A failure throws
/// <see cref="VolumeException"/> with the text of upstream's FailedMount event.
/// </summary>
public interface IVolumePlugin
{
    /// <summary>Upstream's directory name for the plugin, e.g. kubernetes.io~empty-dir.</summary>
    string Name { get; }

    bool RefreshesContent { get; }

    bool CanHandle(V1Volume volume);

    Task<MountedVolume> SetUpAsync(VolumeContext context, V1Volume volume, CancellationToken cancellationToken);
}

/// <summary>A volume ready on the node: the host path containers bind-mount, and whether it is always read-only.</summary>
public sealed record MountedVolume(string HostPath, bool ReadOnly);

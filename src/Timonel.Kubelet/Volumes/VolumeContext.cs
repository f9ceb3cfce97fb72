using k8s;
using k8s.Models;

namespace Timonel.Kubelet.Volumes;

/// <summary>What a volume plugin works with for one pod.</summary>
public sealed record VolumeContext(V1Pod Pod, string PodDir, IKubernetes Client, ServiceAccountTokens Tokens, TimeProvider Time)
{
    public string Namespace => Pod.Metadata.NamespaceProperty ?? "default";

    /// <summary>Upstream's layout: &lt;pod dir&gt;/volumes/&lt;plugin&gt;/&lt;volume&gt;.</summary>
    public string VolumeDir(IVolumePlugin plugin, V1Volume volume) => Path.Combine(PodDir, "volumes", plugin.Name, volume.Name);
}

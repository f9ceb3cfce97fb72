using k8s;
using Timonel.Client.Events;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Runtime;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Pods;

/// <summary>What every pod worker of one node shares: the runtime, the API client, probes, settings.</summary>
public sealed record PodRuntime(
    CriClient Cri,
    IKubernetes Client,
    Prober Prober,
    EnvResolver Env,
    KubeletOptions Options,
    CgroupLayout Cgroups,
    TimeProvider Time,
    string HostIp,
    string PodLogRoot)
{
    /// <summary>The node's volume plugins and pod directories.</summary>
    public required VolumeManager Volumes { get; init; }

    /// <summary>Events about pods (source component "kubelet").</summary>
    public required EventRecorder Events { get; init; }
}

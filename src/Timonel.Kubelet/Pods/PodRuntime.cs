using k8s;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Runtime;

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
    string PodLogRoot);

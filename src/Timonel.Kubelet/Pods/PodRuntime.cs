using k8s;
using Timonel.Client.Events;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Runtime;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Pods;

/// <summary>What every pod worker of one node shares: the runtime, the API client, the node-wide managers, settings.</summary>
public sealed record PodRuntime(
    IContainerRuntime Cri,
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

    /// <summary>Images never pulled while present (the pause image and the node's imported ones), even under imagePullPolicy Always.</summary>
    public PinnedImages PinnedImages { get; init; } = new(null, PauseImage.Reference);

    /// <summary>The runtime's ongoing downloads, watched for --image-pull-progress-deadline; null: not watched (hollow nodes).</summary>
    public IIngestStatuses? Ingests { get; init; }

    /// <summary>The node's image pulls, one at a time unless --serialize-image-pulls=false.</summary>
    public ImagePullQueue ImagePulls { get; init; } = new(Options.SerializeImagePulls);

    /// <summary>The node's one writer of pod statuses: posts a status only when it changed.</summary>
    public StatusManager Status { get; init; } = StatusManager.ForClient(Client);

    /// <summary>The probes of every running container of the node.</summary>
    public ProbeManager Probes { get; init; } = new(Prober, Time);

    /// <summary>False on hollow nodes, whose runtime writes no logs: no per-pod log directory is made.</summary>
    public bool CreatesLogDirectories { get; init; } = true;

    /// <summary>The resources allocated to the node's pods, and the fit check of resizes.</summary>
    public ResourceAllocations Allocations { get; init; } = new();

    /// <summary>Evicts pods whose disk emptyDirs outgrow their sizeLimit.</summary>
    public EvictionManager Eviction { get; init; } = new(Options.EmptyDirCheckInterval, Time);
}

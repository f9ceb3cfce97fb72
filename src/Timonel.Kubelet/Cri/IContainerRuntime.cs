using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Cri;

/// <summary>
/// The container runtime as the pod code sees it: the CRI v1 runtime and image operations the
/// kubelet's pod managers use, with CRI's own message types (upstream's internalapi.RuntimeService
/// and ImageManagerService). <see cref="CriClient"/> implements it over gRPC; tests and simulated
/// nodes implement it in memory.
/// </summary>
/// <remarks>
/// Failures are <see cref="Grpc.Core.RpcException"/>s as CRI reports them: their
/// <c>Status.Detail</c> becomes a container's waiting message (CreateContainerError,
/// RunContainerError, ErrImagePull). Operations on an id that is already gone succeed where
/// noted, because the kubelet races the runtime's own cleanup.
/// </remarks>
public interface IContainerRuntime
{
    /// <summary>Sandboxes matching <paramref name="filter"/> (all when null), in any state.</summary>
    Task<IReadOnlyList<PodSandbox>> ListPodSandboxAsync(PodSandboxFilter? filter, CancellationToken cancellationToken);

    Task<PodSandboxStatus> PodSandboxStatusAsync(string podSandboxId, CancellationToken cancellationToken);

    /// <summary>Creates and starts a sandbox; returns its id.</summary>
    Task<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken cancellationToken);

    /// <summary>Stops the sandbox and every container in it; repeating it is fine.</summary>
    Task StopPodSandboxAsync(string podSandboxId, CancellationToken cancellationToken);

    /// <summary>Removes the sandbox (stopping it first); repeating it is fine.</summary>
    Task RemovePodSandboxAsync(string podSandboxId, CancellationToken cancellationToken);

    /// <summary>Containers matching <paramref name="filter"/> (all when null), in any state.</summary>
    Task<IReadOnlyList<Container>> ListContainersAsync(ContainerFilter? filter, CancellationToken cancellationToken);

    /// <summary>The container's status; null when the runtime no longer knows it.</summary>
    Task<ContainerStatus?> ContainerStatusAsync(string containerId, CancellationToken cancellationToken);

    /// <summary>Creates a container in a sandbox; <paramref name="sandboxConfig"/> is required (containerd 1.6 dies without it).</summary>
    Task<string> CreateContainerAsync(string podSandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken);

    Task StartContainerAsync(string containerId, CancellationToken cancellationToken);

    /// <summary>SIGTERM, then SIGKILL after <paramref name="timeoutSeconds"/>; a container already gone is no error.</summary>
    Task StopContainerAsync(string containerId, long timeoutSeconds, CancellationToken cancellationToken);

    /// <summary>Removes a stopped container; a container already gone is no error.</summary>
    Task RemoveContainerAsync(string containerId, CancellationToken cancellationToken);

    /// <summary>
    /// Changes a running container's cgroup limits in place (CRI UpdateContainerResources, used by
    /// in-place pod resize); since 1.33 a runtime must not restart the container to do it.
    /// </summary>
    Task UpdateContainerResourcesAsync(string containerId, LinuxContainerResources resources, CancellationToken cancellationToken);

    /// <summary>Runs a command in a running container and waits at most <paramref name="timeout"/> for it.</summary>
    Task<ExecSyncResponse> ExecSyncAsync(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// CPU and memory usage of the containers matching <paramref name="filter"/> (all when null);
    /// containerd reports only containers it can read a cgroup for, so callers join by id.
    /// </summary>
    Task<IReadOnlyList<ContainerStats>> ListContainerStatsAsync(ContainerStatsFilter? filter, CancellationToken cancellationToken);

    /// <summary>The image when present on the node, null when not.</summary>
    Task<Image?> ImageStatusAsync(string image, CancellationToken cancellationToken);

    /// <summary>Pulls <paramref name="image"/>, sending <paramref name="auth"/> to the registry when given (else the runtime's own configured credentials, if any).</summary>
    Task PullImageAsync(string image, AuthConfig? auth, CancellationToken cancellationToken);
}

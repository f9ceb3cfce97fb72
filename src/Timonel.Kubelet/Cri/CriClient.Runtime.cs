using Grpc.Core;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Cri;

/// <summary><see cref="IContainerRuntime"/> over the CRI gRPC services.</summary>
public sealed partial class CriClient : IContainerRuntime
{
    /// <summary>How long past a stop's own timeout the call may take before it is abandoned.</summary>
    private static readonly TimeSpan StopSlack = TimeSpan.FromSeconds(30);

    /// <summary>How long past an exec's own timeout the call may take before it is abandoned.</summary>
    private static readonly TimeSpan ExecSlack = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<PodSandbox>> ListPodSandboxAsync(PodSandboxFilter? filter, CancellationToken cancellationToken) =>
        (await Runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = filter }, cancellationToken: cancellationToken).ConfigureAwait(false)).Items;

    public async Task<PodSandboxStatus> PodSandboxStatusAsync(string podSandboxId, CancellationToken cancellationToken) =>
        (await Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = podSandboxId }, cancellationToken: cancellationToken).ConfigureAwait(false)).Status;

    public async Task<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken cancellationToken) =>
        (await Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = config }, cancellationToken: cancellationToken).ConfigureAwait(false)).PodSandboxId;

    public async Task StopPodSandboxAsync(string podSandboxId, CancellationToken cancellationToken) =>
        await Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = podSandboxId }, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task RemovePodSandboxAsync(string podSandboxId, CancellationToken cancellationToken) =>
        await Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = podSandboxId }, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<Container>> ListContainersAsync(ContainerFilter? filter, CancellationToken cancellationToken) =>
        (await Runtime.ListContainersAsync(new ListContainersRequest { Filter = filter }, cancellationToken: cancellationToken).ConfigureAwait(false)).Containers;

    public async Task<ContainerStatus?> ContainerStatusAsync(string containerId, CancellationToken cancellationToken)
    {
        try
        {
            return (await Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId }, cancellationToken: cancellationToken).ConfigureAwait(false)).Status;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<string> CreateContainerAsync(string podSandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken) =>
        (await Runtime.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = podSandboxId, Config = config, SandboxConfig = sandboxConfig }, cancellationToken: cancellationToken).ConfigureAwait(false)).ContainerId;

    public async Task UpdateContainerResourcesAsync(string containerId, LinuxContainerResources resources, CancellationToken cancellationToken) =>
        await Runtime.UpdateContainerResourcesAsync(new UpdateContainerResourcesRequest { ContainerId = containerId, Linux = resources }, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task StartContainerAsync(string containerId, CancellationToken cancellationToken) =>
        await Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = containerId }, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task StopContainerAsync(string containerId, long timeoutSeconds, CancellationToken cancellationToken)
    {
        try
        {
            await Runtime.StopContainerAsync(
                new StopContainerRequest { ContainerId = containerId, Timeout = timeoutSeconds },
                deadline: DateTime.UtcNow.AddSeconds(timeoutSeconds) + StopSlack,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
    }

    public async Task RemoveContainerAsync(string containerId, CancellationToken cancellationToken)
    {
        try
        {
            await Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = containerId }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
    }

    public async Task<ExecSyncResponse> ExecSyncAsync(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var request = new ExecSyncRequest { ContainerId = containerId, Timeout = (long)Math.Ceiling(timeout.TotalSeconds) };
        request.Cmd.AddRange(command);
        return await Runtime.ExecSyncAsync(request, deadline: DateTime.UtcNow + timeout + ExecSlack, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ContainerStats>> ListContainerStatsAsync(ContainerStatsFilter? filter, CancellationToken cancellationToken) =>
        (await Runtime.ListContainerStatsAsync(new ListContainerStatsRequest { Filter = filter }, cancellationToken: cancellationToken).ConfigureAwait(false)).Stats;

    public async Task<Image?> ImageStatusAsync(string image, CancellationToken cancellationToken) =>
        (await Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = image } }, cancellationToken: cancellationToken).ConfigureAwait(false)).Image;

    public async Task PullImageAsync(string image, AuthConfig? auth, CancellationToken cancellationToken) =>
        await Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = image }, Auth = auth }, cancellationToken: cancellationToken).ConfigureAwait(false);
}

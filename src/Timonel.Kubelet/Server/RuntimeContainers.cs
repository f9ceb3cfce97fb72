using System.Net;
using Timonel.Api.Errors;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Server;

/// <summary>
/// Finds a pod's sandbox and container instances in the runtime by the labels the kubelet puts
/// on them (namespace, pod name, container name); the newest sandbox is the pod's current one.
/// </summary>
internal sealed class RuntimeContainers(CriClient cri)
{
    public async Task<PodSandbox?> FindSandboxAsync(string ns, string pod, CancellationToken ct)
    {
        var filter = new PodSandboxFilter();
        filter.LabelSelector[CriLabels.PodNamespace] = ns;
        filter.LabelSelector[CriLabels.PodName] = pod;
        var sandboxes = (await cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = filter }, cancellationToken: ct).ConfigureAwait(false)).Items;
        return sandboxes
            .OrderByDescending(s => s.State == PodSandboxState.SandboxReady)
            .ThenByDescending(s => s.CreatedAt)
            .FirstOrDefault();
    }

    /// <summary>The sandbox of a running pod, or a 400 Status saying it is not running.</summary>
    public async Task<PodSandbox> RequireReadySandboxAsync(string ns, string pod, CancellationToken ct)
    {
        var sandbox = await FindSandboxAsync(ns, pod, ct).ConfigureAwait(false);
        return sandbox is { State: PodSandboxState.SandboxReady }
            ? sandbox
            : throw ApiException.BadRequest($"pod \"{pod}\" in namespace \"{ns}\" is not running on this node");
    }

    /// <summary>The container's instances in the pod's current sandbox, newest first.</summary>
    public async Task<List<ContainerStatus>> InstancesAsync(string ns, string pod, string container, CancellationToken ct)
    {
        var sandbox = await FindSandboxAsync(ns, pod, ct).ConfigureAwait(false);
        if (sandbox is null)
        {
            return [];
        }

        var filter = new ContainerFilter { PodSandboxId = sandbox.Id };
        filter.LabelSelector[CriLabels.ContainerName] = container;
        var listed = (await cri.Runtime.ListContainersAsync(new ListContainersRequest { Filter = filter }, cancellationToken: ct).ConfigureAwait(false)).Containers;
        var result = new List<ContainerStatus>();
        foreach (var c in listed.OrderByDescending(c => c.CreatedAt))
        {
            try
            {
                result.Add((await cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = c.Id }, cancellationToken: ct).ConfigureAwait(false)).Status);
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
            {
                // Removed between list and status.
            }
        }

        return result;
    }

    /// <summary>The running instance of a container, or a Status error a person can act on.</summary>
    public async Task<ContainerStatus> RequireRunningAsync(string ns, string pod, string container, CancellationToken ct)
    {
        var instances = await InstancesAsync(ns, pod, container, ct).ConfigureAwait(false);
        if (instances.Count == 0)
        {
            throw new ApiException(HttpStatusCode.NotFound, "NotFound", $"container \"{container}\" in pod \"{pod}\" is not found on this node");
        }

        var current = instances[0];
        return current.State == ContainerState.ContainerRunning
            ? current
            : throw ApiException.BadRequest($"container \"{container}\" in pod \"{pod}\" is not running");
    }

    public async Task<bool> IsRunningAsync(string id, CancellationToken ct)
    {
        try
        {
            var status = await cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = id }, cancellationToken: ct).ConfigureAwait(false);
            return status.Status.State == ContainerState.ContainerRunning;
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
        {
            return false;
        }
    }
}

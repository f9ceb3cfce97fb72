using Grpc.Core;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// In-place resize in a sync (KEP-1287, upstream 1.33's allocation manager and SyncPod step 7):
/// a spec asking for other cpu or memory is allocated when the node fits it (else
/// PodResizePending: Infeasible or Deferred, and nothing changes); the sync that allocates it
/// reports PodResizeInProgress and asks for another sync, which applies it to the running
/// containers through CRI UpdateContainerResources, or restarts a container whose resizePolicy
/// for a changed resource is RestartContainer.
/// </summary>
internal sealed partial class PodSyncer
{
    /// <summary>Allocates what the node fits; returns the pod as its containers must run: with the allocated resources.</summary>
    private V1Pod ReconcileAllocation(V1Pod pod, bool terminal, out bool accepted)
    {
        accepted = false;
        if (terminal)
        {
            // A finished pod holds nothing on the node.
            _rt.Allocations.Release(pod.Metadata.Uid);
            _state.ResizePending = null;
            return pod;
        }

        var decision = _rt.Allocations.Reconcile(pod);
        _state.ResizePending = decision.PendingReason is { } reason ? (reason, decision.PendingMessage ?? string.Empty) : null;
        if (decision.Accepted)
        {
            accepted = true;
            LogResizeAllocated(Key(pod));
            _wake();
        }
        else if (_state.ResizePending is { } pending)
        {
            LogResizePending(Key(pod), pending.Reason, pending.Message);
        }

        return WithAllocatedResources(pod);
    }

    /// <summary>The pod itself when its spec is what was allocated, else a copy whose containers carry the allocation.</summary>
    private V1Pod WithAllocatedResources(V1Pod pod)
    {
        var uid = pod.Metadata.Uid;
        var containers = (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers ?? []);
        if (containers.All(c => _rt.Allocations.For(uid, c.Name) is not { } a || ResourceAllocations.SameCpuMemory(a, c.Resources)))
        {
            return pod;
        }

        var copy = KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(pod));
        foreach (var c in (copy.Spec.InitContainers ?? []).Concat(copy.Spec.Containers ?? []))
        {
            if (_rt.Allocations.For(uid, c.Name) is { } allocated)
            {
                c.Resources = allocated;
            }
        }

        return copy;
    }

    /// <summary>Why a running container must restart for its resize: a changed resource whose resizePolicy is RestartContainer.</summary>
    private string? ResizeRestart(V1Container container, ContainerRecord record, bool acceptedNow)
    {
        if (acceptedNow || !_state.Applied.TryGetValue(record.Id, out var applied) || ResourceAllocations.SameCpuMemory(applied, container.Resources))
        {
            return null;
        }

        var restart = new[] { "cpu", "memory" }.Any(r => ResourceAllocations.Differs(applied, container.Resources, r)
            && container.ResizePolicy?.FirstOrDefault(p => p.ResourceName == r)?.RestartPolicy == "RestartContainer");
        return restart ? $"Container {container.Name} resize requires restart" : null;
    }

    /// <summary>Applies the allocation to running containers kept by this sync, without restarting them.</summary>
    /// <param name="records">The instances the sync started from.</param>
    /// <param name="views">The instances after its starts and kills.</param>
    private async Task ApplyResizeAsync(V1Pod pod, PodActions actions, IReadOnlyDictionary<string, List<ContainerRecord>> records, IReadOnlyDictionary<string, ContainerView> views, bool acceptedNow, CancellationToken cancellationToken)
    {
        // Instances that are gone no longer need their applied resources remembered.
        var live = records.Values.SelectMany(l => l).Select(r => r.Id)
            .Concat(views.Values.Select(v => v.Current?.Id).OfType<string>())
            .ToHashSet(StringComparer.Ordinal);
        foreach (var id in _state.Applied.Keys.Where(id => !live.Contains(id)).ToList())
        {
            _state.Applied.Remove(id);
        }

        if (acceptedNow)
        {
            return;
        }

        string? error = null;
        foreach (var action in actions.Containers.Where(a => a.Probed && a.Current is { State: RecordState.Running }))
        {
            var id = action.Current!.Id;
            var allocated = action.Container.Resources;
            if (!_state.Applied.TryGetValue(id, out var applied))
            {
                // Adopted after an agent restart: it runs with what was allocated when it started.
                _state.Applied[id] = ResourceAllocations.Copy(allocated);
                continue;
            }

            if (ResourceAllocations.SameCpuMemory(applied, allocated))
            {
                continue;
            }

            try
            {
                await _rt.Cri.UpdateContainerResourcesAsync(id, PodResources.ForContainer(action.Container), cancellationToken).ConfigureAwait(false);
                _state.Applied[id] = ResourceAllocations.Copy(allocated);
                LogResized(Key(pod), action.Container.Name);
            }
            catch (RpcException e)
            {
                // Tried again on the next sync; the condition says why it has not happened.
                error = $"failed to update resources of container {action.Container.Name}: {e.Status.Detail}";
                LogResizeFailed(Key(pod), action.Container.Name, e.Status.Detail);
            }
        }

        _state.ResizeError = error;
    }

    private ResizeView ResizeStatus(V1Pod pod, bool acceptedNow)
    {
        var uid = pod.Metadata.Uid;
        return new ResizeView(name => _rt.Allocations.For(uid, name), id => _state.Applied.GetValueOrDefault(id), _state.ResizePending, acceptedNow, _state.ResizeError);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Pod}: resize allocated, applying it")]
    private partial void LogResizeAllocated(string pod);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Pod}: resize pending ({Reason}): {Message}")]
    private partial void LogResizePending(string pod, string reason, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Pod}: container {Container} resized in place")]
    private partial void LogResized(string pod, string container);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Pod}: resizing container {Container} failed: {Reason}")]
    private partial void LogResizeFailed(string pod, string container, string reason);
}

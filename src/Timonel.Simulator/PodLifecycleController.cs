using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Simulator;

/// <summary>
/// Plays the kubelet for pods bound to simulated nodes: Pending with ContainerCreating, then
/// Running with an IP from the node's podCIDR and every condition True; exits on the
/// sim-exit-after annotation (terminal phase or restart, by restartPolicy); finishes graceful
/// deletion once the grace period has passed. Writes go through pods/status with the cached
/// resourceVersion; a conflict requeues the pod to be planned again from the fresher cache.
/// </summary>
internal sealed class PodLifecycleController : Controller
{
    private const string NodeIndex = "simulator-node";
    private static readonly TimeSpan ConflictRetry = TimeSpan.FromMilliseconds(200);

    private readonly IKubernetes _client;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly NodeSimulatorOptions _options;
    private readonly PodIpAllocator _ips = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _creatingSince = new(StringComparer.Ordinal);

    public PodLifecycleController(IKubernetes client, SharedInformer<V1Node> nodes, SharedInformer<V1Pod> pods, NodeSimulatorOptions options, ILogger logger, TimeProvider time)
        : base("node-simulator-pods", logger, time)
    {
        _client = client;
        _nodes = nodes;
        _pods = pods;
        _options = options;
        pods.AddIndexer(NodeIndex, p => p.Spec?.NodeName is { Length: > 0 } n ? [n] : []);
        pods.AddEventHandler(
            onAdd: Enqueue,
            onUpdate: (_, p) => Enqueue(p),
            onDelete: p =>
            {
                _ips.Release(p.Metadata.Uid ?? "");
                _creatingSince.TryRemove(ObjectKeys.KeyOf(p), out _);
            });
        nodes.AddEventHandler(
            onAdd: EnqueuePodsOn,
            onUpdate: (old, n) =>
            {
                if (old.Spec?.PodCIDR != n.Spec?.PodCIDR || SimulationAnnotations.HeartbeatStopped(old) != SimulationAnnotations.HeartbeatStopped(n))
                {
                    EnqueuePodsOn(n);
                }
            },
            onDelete: n => _ips.ForgetNode(n.Metadata.Name));
    }

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_options.PodWorkers, [_nodes, _pods], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var pod = _pods.Cache.Get(key);
        if (pod is null)
        {
            _creatingSince.TryRemove(key, out _);
            return;
        }

        var node = pod.Spec?.NodeName is { Length: > 0 } nodeName ? _nodes.Cache.Get(nodeName) : null;
        if (node is null || SimulationAnnotations.HeartbeatStopped(node))
        {
            // Not ours (a real kubelet's node), or a simulated kubelet that is down: nothing moves.
            return;
        }

        var now = Time.GetUtcNow();
        var hostIp = node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address
            ?? FakeAddresses.NodeInternalIp(node.Metadata.Name, node.Spec?.PodCIDR);

        if (pod.Metadata.DeletionTimestamp is { } deletion)
        {
            await FinishDeletionAsync(key, pod, hostIp, Utc(deletion), now, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (pod.Status?.Phase is "Succeeded" or "Failed")
        {
            _ips.Release(pod.Metadata.Uid);
            _creatingSince.TryRemove(key, out _);
            return;
        }

        if (PodIp(node, pod, hostIp) is not { } podIp)
        {
            // No pod subnet yet: the node-ipam controller gives one, and the node's update requeues its pods.
            return;
        }

        var statuses = pod.Status?.ContainerStatuses;
        var running = statuses is { Count: > 0 } && statuses.All(s => s.State?.Running is not null);
        if (!running)
        {
            await StartAsync(key, pod, hostIp, podIp, now, cancellationToken).ConfigureAwait(false);
            return;
        }

        var startedAt = statuses!.Min(s => Utc(s.State!.Running!.StartedAt ?? now.UtcDateTime));
        var restarts = statuses!.Max(s => s.RestartCount);
        if (SimulationAnnotations.ExitAfterOf(pod) is { } exitAfter)
        {
            var due = startedAt + exitAfter;
            if (now >= due)
            {
                await ExitAsync(key, pod, hostIp, podIp, statuses![0], now, cancellationToken).ConfigureAwait(false);
                return;
            }

            EnqueueAfter(key, due - now);
        }

        // Running: stays Ready (the node lifecycle controller marks pods not ready while the node is lost).
        if (!PodStatusBuilder.IsReady(pod.Status) || pod.Status?.PodIP != podIp)
        {
            var last = statuses![0].LastState?.Terminated;
            await WriteStatusAsync(key, pod, PodStatusBuilder.Running(pod, hostIp, podIp, startedAt.UtcDateTime, restarts, last, now.UtcDateTime), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task StartAsync(string key, V1Pod pod, string hostIp, string podIp, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var creating = _options.ContainerCreatingDuration;
        if (creating > TimeSpan.Zero)
        {
            if (!_creatingSince.TryGetValue(key, out var since))
            {
                var shown = pod.Status?.ContainerStatuses?.Any(s => s.State?.Waiting?.Reason == "ContainerCreating") == true;
                if (!shown)
                {
                    if (await WriteStatusAsync(key, pod, PodStatusBuilder.Creating(pod, hostIp, now.UtcDateTime), cancellationToken).ConfigureAwait(false))
                    {
                        _creatingSince[key] = now;
                        EnqueueAfter(key, creating);
                    }

                    return;
                }

                // Shown by an earlier simulator instance: its wait is over.
                since = now - creating;
            }

            if (now - since < creating)
            {
                EnqueueAfter(key, creating - (now - since));
                return;
            }
        }

        if (await WriteStatusAsync(key, pod, PodStatusBuilder.Running(pod, hostIp, podIp, now.UtcDateTime, 0, null, now.UtcDateTime), cancellationToken).ConfigureAwait(false))
        {
            _creatingSince.TryRemove(key, out _);
            if (SimulationAnnotations.ExitAfterOf(pod) is { } exitAfter)
            {
                EnqueueAfter(key, exitAfter);
            }
        }
    }

    /// <summary>The containers exit: a terminal phase, or a restart when the restart policy asks for one.</summary>
    private async Task ExitAsync(string key, V1Pod pod, string hostIp, string podIp, V1ContainerStatus first, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var code = SimulationAnnotations.ExitCodeOf(pod);
        var policy = pod.Spec?.RestartPolicy ?? "Always";
        var restart = policy == "Always" || (policy == "OnFailure" && code != 0);
        if (restart)
        {
            var last = PodStatusBuilder.Exited(first, code, now.UtcDateTime);
            var status = PodStatusBuilder.Running(pod, hostIp, podIp, now.UtcDateTime, first.RestartCount + 1, last, now.UtcDateTime);
            if (await WriteStatusAsync(key, pod, status, cancellationToken).ConfigureAwait(false) && SimulationAnnotations.ExitAfterOf(pod) is { } exitAfter)
            {
                EnqueueAfter(key, exitAfter);
            }

            return;
        }

        var phase = code == 0 ? "Succeeded" : "Failed";
        if (await WriteStatusAsync(key, pod, PodStatusBuilder.Terminated(pod, hostIp, code, phase, now.UtcDateTime), cancellationToken).ConfigureAwait(false))
        {
            _ips.Release(pod.Metadata.Uid);
        }
    }

    /// <summary>
    /// Graceful deletion: containers are stopped when the grace period (the smaller of the pod's
    /// and the request's) has passed, then the pod is deleted with grace 0 as the kubelet does.
    /// A pod that never started containers has nothing to wait for.
    /// </summary>
    private async Task FinishDeletionAsync(string key, V1Pod pod, string hostIp, DateTimeOffset deletion, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var statuses = pod.Status?.ContainerStatuses ?? [];
        var started = statuses.Any(s => s.State?.Running is not null);
        if (started)
        {
            var requestGrace = pod.Metadata.DeletionGracePeriodSeconds ?? 0;
            var podGrace = pod.Spec?.TerminationGracePeriodSeconds ?? requestGrace;
            var due = deletion - TimeSpan.FromSeconds(requestGrace) + TimeSpan.FromSeconds(Math.Min(requestGrace, podGrace));
            if (now < due)
            {
                EnqueueAfter(key, due - now);
                return;
            }

            if (!await WriteStatusAsync(key, pod, PodStatusBuilder.Terminated(pod, hostIp, 0, null, now.UtcDateTime), cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }

        try
        {
            var options = new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } };
            await _client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, options, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            // Already gone, or the name now belongs to a new pod.
        }

        _ips.Release(pod.Metadata.Uid);
        _creatingSince.TryRemove(key, out _);
    }

    /// <summary>The pod's address: the node's for hostNetwork pods, else one from the node's podCIDR (null until it has one).</summary>
    private string? PodIp(V1Node node, V1Pod pod, string hostIp)
    {
        if (pod.Spec?.HostNetwork == true)
        {
            return hostIp;
        }

        if (node.Spec?.PodCIDR is not { Length: > 0 } cidr)
        {
            return null;
        }

        var nodeName = node.Metadata.Name;
        if (!_ips.Knows(nodeName, cidr))
        {
            // Addresses this node's pods already hold (from before a restart of the simulator) stay theirs.
            var held = _pods.Cache.ByIndex(NodeIndex, nodeName)
                .Where(p => p.Status?.PodIP is { Length: > 0 } && p.Status.Phase is not ("Succeeded" or "Failed") && p.Spec?.HostNetwork != true)
                .Select(p => (p.Metadata.Uid, p.Status!.PodIP));
            _ips.Load(nodeName, cidr, held);
        }

        return _ips.Allocate(nodeName, pod.Metadata.Uid);
    }

    /// <summary>PUTs pods/status; false (with the pod requeued) when the cached copy was stale or the pod is gone.</summary>
    private async Task<bool> WriteStatusAsync(string key, V1Pod pod, V1PodStatus status, CancellationToken cancellationToken)
    {
        var updated = new V1Pod { ApiVersion = "v1", Kind = "Pod", Metadata = pod.Metadata, Spec = pod.Spec, Status = status };
        try
        {
            await _client.CoreV1.ReplaceNamespacedPodStatusAsync(updated, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // The watch brings the newer pod; plan again from it.
            EnqueueAfter(key, ConflictRetry);
            return false;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private void EnqueuePodsOn(V1Node node)
    {
        foreach (var pod in _pods.Cache.ByIndex(NodeIndex, node.Metadata.Name))
        {
            Enqueue(pod);
        }
    }

    private static DateTimeOffset Utc(DateTime t) =>
        new(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime());
}

using k8s.Models;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Timonel.Client.Events;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// One sync of one pod (upstream's SyncPod): reads the runtime, evicts when an emptyDir outgrew
/// its limit, sets up volumes, computes the actions (<see cref="ComputePodActions"/>), applies
/// them — sandbox, kills, starts — and hands the resulting status to the node's status manager.
/// </summary>
internal sealed partial class PodSyncer
{
    private readonly PodRuntime _rt;
    private readonly PodState _state;
    private readonly PodRecords _records;
    private readonly PodVolumes _volumes;
    private readonly PodTerminator _terminator;
    private readonly ContainerStarter _starter;
    private readonly Action _wake;
    private readonly ILogger _log;

    /// <param name="wake">Asks the pod worker to sync again (a probe result flipped).</param>
    public PodSyncer(PodRuntime runtime, PodState state, PodRecords records, PodVolumes volumes, PodTerminator terminator, Action wake, ILogger log)
    {
        _rt = runtime;
        _state = state;
        _records = records;
        _volumes = volumes;
        _terminator = terminator;
        _wake = wake;
        _log = log;
        _starter = new ContainerStarter(runtime, state, records, volumes, terminator, wake, log);
    }

    public async Task SyncPodAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var now = _rt.Time.GetUtcNow();
        _state.StartTime ??= now.UtcDateTime;
        var uid = pod.Metadata.Uid;
        var records = await _records.ListAsync(cancellationToken).ConfigureAwait(false);
        if (pod.Status is { Phase: "Failed", Reason: EvictionManager.EvictedReason } evicted)
        {
            _state.EvictionMessage ??= evicted.Message ?? string.Empty;
        }

        var terminal = pod.Status?.Phase is "Succeeded" or "Failed" || _state.EvictionMessage is not null;
        if (!terminal && _rt.Eviction.Violation(pod, _volumes, _state) is { } violation)
        {
            await EvictAsync(pod, records, violation, cancellationToken).ConfigureAwait(false);
            terminal = true;
            records = await _records.ListAsync(cancellationToken).ConfigureAwait(false);
        }

        var volumesReady = terminal || await SetUpVolumesAsync(pod, cancellationToken).ConfigureAwait(false);
        var sandboxes = volumesReady ? await _records.SandboxesAsync(cancellationToken).ConfigureAwait(false) : [];
        if (!terminal)
        {
            await AdoptReadySandboxAsync(pod, sandboxes, cancellationToken).ConfigureAwait(false);
        }

        // Containers start and run with the allocated resources, which lag the spec while a resize waits.
        var allocated = ReconcileAllocation(pod, terminal, out var resizeAccepted);
        var probeKill = ProbeKill(allocated);
        var actions = ComputePodActions(allocated, sandboxes, records, terminal, volumesReady, (c, r) => ResizeRestart(c, r, resizeAccepted) ?? probeKill(c, r), _state.Waiting.ContainsKey);
        var sandboxConfig = await ApplySandboxAsync(pod, actions, sandboxes, terminal, cancellationToken).ConfigureAwait(false);
        var views = new Dictionary<string, ContainerView>(StringComparer.Ordinal);
        foreach (var action in actions.Containers.Where(a => !a.Blocked))
        {
            views[action.Container.Name] = await ApplyContainerAsync(allocated, action, sandboxConfig, now, cancellationToken).ConfigureAwait(false);
        }

        await ApplyResizeAsync(pod, actions, records, views, resizeAccepted, cancellationToken).ConfigureAwait(false);
        var status = PodStatusBuilder.Build(pod, views, _state.PodIp, _rt.HostIp, _state.StartTime.Value, now.UtcDateTime, ResizeStatus(pod, resizeAccepted));
        if (_state.EvictionMessage is { } message)
        {
            EvictionManager.MarkEvicted(status, pod, message, now.UtcDateTime);
        }

        if (status.Phase is "Succeeded" or "Failed" && _state.SandboxId is { } sandboxId)
        {
            await _rt.Cri.StopPodSandboxAsync(sandboxId, cancellationToken).ConfigureAwait(false);
            _state.SandboxId = null;
        }

        await _rt.Status.SetPodStatusAsync(pod, status, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The running app containers' probes, started on first sight; a failed liveness or startup probe names a kill.</summary>
    private Func<V1Container, ContainerRecord, string?> ProbeKill(V1Pod pod) =>
        (container, record) => _rt.Probes.Ensure(pod.Metadata.Uid, container, record.Id, _state.PodIp, _wake, Unhealthy(_rt, pod, container)).KillReason;

    /// <summary>Upstream's Warning Unhealthy event for every failed probe run of a container.</summary>
    public static Action<string> Unhealthy(PodRuntime rt, V1Pod pod, V1Container container) =>
        message => rt.Events.Container(pod, container, EventTypes.Warning, "Unhealthy", message);

    /// <summary>A ready sandbox not seen before (agent restart, or created by an earlier sync): its IP is the pod's.</summary>
    private async Task AdoptReadySandboxAsync(V1Pod pod, IReadOnlyList<PodSandbox> sandboxes, CancellationToken cancellationToken)
    {
        var ready = sandboxes.Where(s => s.State == PodSandboxState.SandboxReady).MaxBy(s => s.CreatedAt);
        if (ready is not null && _state.SandboxId != ready.Id)
        {
            _state.SandboxId = ready.Id;
            _state.PodIp = await SandboxIpAsync(pod, ready.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops dead sandboxes and creates the new one; returns the config of the sandbox containers start in.</summary>
    private async Task<PodSandboxConfig?> ApplySandboxAsync(V1Pod pod, PodActions actions, IReadOnlyList<PodSandbox> sandboxes, bool terminal, CancellationToken cancellationToken)
    {
        if (actions.KillPod)
        {
            _rt.Events.Event(pod, EventTypes.Normal, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.");
            // A dead sandbox takes its containers with it: stop what is left before starting over.
            await _rt.Probes.DropPodAsync(pod.Metadata.Uid).ConfigureAwait(false);
            foreach (var old in sandboxes)
            {
                await _rt.Cri.StopPodSandboxAsync(old.Id, cancellationToken).ConfigureAwait(false);
            }
        }

        if (actions.CreateSandbox)
        {
            var config = RuntimeConfigBuilder.Sandbox(pod, actions.Attempt, _rt.PodLogRoot, _rt.Cgroups, PodDns.Config(pod, _rt.Options));
            if (_rt.CreatesLogDirectories)
            {
                Directory.CreateDirectory(config.LogDirectory);
            }
            try
            {
                _state.SandboxId = await _rt.Cri.RunPodSandboxAsync(config, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                // The worker retries the sync; the event says why the pod stays ContainerCreating.
                _rt.Events.Event(pod, EventTypes.Warning, "FailedCreatePodSandBox", $"Failed to create pod sandbox: {ContainerEvents.GrpcError(e)}");
                throw;
            }

            _state.PodIp = await SandboxIpAsync(pod, _state.SandboxId, cancellationToken).ConfigureAwait(false);
            LogSandboxStarted(Key(pod), _state.PodIp ?? "-");
            return config;
        }

        if (actions.Sandbox is { } ready)
        {
            _state.SandboxId = ready.Id;
            return terminal ? null : RuntimeConfigBuilder.Sandbox(pod, ready.Metadata.Attempt, _rt.PodLogRoot, _rt.Cgroups);
        }

        return null;
    }

    private async Task<ContainerView> ApplyContainerAsync(V1Pod pod, ContainerAction action, PodSandboxConfig? sandbox, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var container = action.Container;
        var current = action.Current;
        if (action.KillReason is { } reason && current is not null)
        {
            LogKill(Key(pod), reason);
            await _terminator.KillContainerAsync(pod, container, current.Id, _state.PodIp, PodTerminator.GracePeriod(pod, null), reason, cancellationToken).ConfigureAwait(false);
            _records.Forget(current.Id);
            current = await _records.GetAsync(current.Id, cancellationToken).ConfigureAwait(false) ?? current;
        }

        if (action.Probed && current is not null)
        {
            var probes = _rt.Probes.Ensure(pod.Metadata.Uid, container, current.Id, _state.PodIp, _wake, Unhealthy(_rt, pod, container));
            return new ContainerView(current, action.Previous, null, null, probes.Ready, probes.Started);
        }

        if (!action.Init)
        {
            await _rt.Probes.DropAsync(pod.Metadata.Uid, container.Name).ConfigureAwait(false);
        }

        return action.Start && sandbox is not null
            ? await _starter.StartAsync(pod, sandbox, container, action.Init, current, action.Previous, now, cancellationToken).ConfigureAwait(false)
            : new ContainerView(current, action.Previous, null, null, false, action.Started);
    }

    /// <summary>Upstream's eviction: a Warning Evicted event, every probe stopped, every running container killed with little grace.</summary>
    private async Task EvictAsync(V1Pod pod, Dictionary<string, List<ContainerRecord>> records, string message, CancellationToken cancellationToken)
    {
        LogEvicted(Key(pod), message);
        _state.EvictionMessage = message;
        _rt.Events.Event(pod, EventTypes.Warning, EvictionManager.EvictedReason, message);
        await _rt.Probes.DropPodAsync(pod.Metadata.Uid).ConfigureAwait(false);
        await _terminator.KillRunningAsync(pod, records.Values.SelectMany(l => l), _state.PodIp, EvictionManager.GraceSeconds, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets up (and periodically refreshes) the pod's volumes; false while one is not ready, which
    /// keeps the pod ContainerCreating, with a FailedMount event as upstream.
    /// </summary>
    private async Task<bool> SetUpVolumesAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        foreach (var failure in await _volumes.SetUpAsync(pod, cancellationToken).ConfigureAwait(false))
        {
            LogMountFailed(Key(pod), failure);
            _rt.Events.Event(pod, EventTypes.Warning, "FailedMount", failure);
        }

        return _volumes.AllReady(pod);
    }

    private async Task<string?> SandboxIpAsync(V1Pod pod, string id, CancellationToken cancellationToken)
    {
        var status = await _rt.Cri.PodSandboxStatusAsync(id, cancellationToken).ConfigureAwait(false);
        var ip = status.Network?.Ip;
        return string.IsNullOrEmpty(ip) ? (pod.Spec.HostNetwork == true ? _rt.HostIp : null) : ip;
    }

    private static string Key(V1Pod pod) => $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Pod}: sandbox started, IP {Ip}")]
    private partial void LogSandboxStarted(string pod, string ip);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Pod}: {Reason}")]
    private partial void LogKill(string pod, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Pod}: {Failure}")]
    private partial void LogMountFailed(string pod, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Pod}: evicted: {Reason}")]
    private partial void LogEvicted(string pod, string reason);
}

using System.Globalization;
using System.Net;
using Grpc.Core;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Drives one pod to its desired state, alone on its own loop (upstream's pod worker): runs the
/// sandbox, init containers in order, app containers with restartPolicy and crash-loop backoff,
/// probes and hooks; writes status through the status subresource; on deletion stops the
/// containers gracefully, removes everything from the runtime and finishes the deletion.
/// Each pass relists the runtime, so a restarted agent adopts what is already running.
/// </summary>
public sealed partial class PodWorker : IAsyncDisposable
{
    private readonly PodRuntime _rt;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly CrashLoopBackoff _backoff = new();
    private readonly ImagePuller _images;
    private readonly Dictionary<string, ContainerProbes> _probes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Reason, string Message)> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContainerRecord> _exitedCache = new(StringComparer.Ordinal);
    private readonly PodVolumes _volumes;
    private readonly Task _loop;
    private V1Pod _pod;
    private bool _removed;
    private string? _lastStatus;
    private DateTime? _startTime;
    private string? _sandboxId;
    private string? _podIp;
    private string? _evictionMessage;
    private DateTimeOffset _lastEmptyDirCheck;

    public PodWorker(V1Pod pod, PodRuntime runtime, ILogger log)
    {
        _pod = pod;
        _rt = runtime;
        _log = log;
        _images = new ImagePuller(runtime.Cri);
        _volumes = runtime.Volumes.ForPod(pod);
        _startTime = pod.Status?.StartTime;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public string Uid => _pod.Metadata.Uid;

    /// <summary>Completes when the pod has been torn down after deletion.</summary>
    public Task Completion => _loop;

    private string PodKey => $"{_pod.Metadata.NamespaceProperty}/{_pod.Metadata.Name}";

    /// <summary>A newer version of the pod arrived from the API.</summary>
    public void Update(V1Pod pod)
    {
        Volatile.Write(ref _pod, pod);
        _signal.Release();
    }

    /// <summary>The pod is gone from the API (deleted without grace): tear it down.</summary>
    public void Remove()
    {
        _removed = true;
        _signal.Release();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var probes in _probes.Values)
        {
            await probes.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
        _signal.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var pod = Volatile.Read(ref _pod);
            try
            {
                if (_removed || pod.Metadata.DeletionTimestamp is not null)
                {
                    await TerminateAsync(pod, cancellationToken).ConfigureAwait(false);
                    return;
                }

                await SyncAsync(pod, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or HttpOperationException or HttpRequestException or IOException or InvalidOperationException)
            {
                LogSyncFailed(PodKey, e.Message);
            }

            try
            {
                await _signal.WaitAsync(_rt.Options.RelistInterval, cancellationToken).ConfigureAwait(false);
                while (_signal.CurrentCount > 0)
                {
                    await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SyncAsync(V1Pod pod, CancellationToken ct)
    {
        var now = _rt.Time.GetUtcNow();
        _startTime ??= now.UtcDateTime;
        var records = await ListRecordsAsync(pod.Metadata.Uid, ct).ConfigureAwait(false);
        if (pod.Status is { Phase: "Failed", Reason: EvictedReason } evicted)
        {
            _evictionMessage ??= evicted.Message ?? string.Empty;
        }

        var terminal = pod.Status?.Phase is "Succeeded" or "Failed" || _evictionMessage is not null;
        if (!terminal && await EvictIfEmptyDirOverLimitAsync(pod, records, now, ct).ConfigureAwait(false))
        {
            terminal = true;
            records = await ListRecordsAsync(pod.Metadata.Uid, ct).ConfigureAwait(false);
        }

        var volumesReady = terminal || await SetUpVolumesAsync(pod, ct).ConfigureAwait(false);
        var sandbox = volumesReady ? await EnsureSandboxAsync(pod, records, terminal, ct).ConfigureAwait(false) : null;
        var views = new Dictionary<string, ContainerView>(StringComparer.Ordinal);
        if (sandbox is not null && !terminal)
        {
            var initDone = await SyncInitContainersAsync(pod, sandbox, records, views, now, ct).ConfigureAwait(false);
            if (initDone)
            {
                await SyncAppContainersAsync(pod, sandbox, records, views, now, ct).ConfigureAwait(false);
            }
        }
        else
        {
            foreach (var c in (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers ?? []))
            {
                var list = records.GetValueOrDefault(c.Name) ?? [];
                views[c.Name] = new ContainerView(list.ElementAtOrDefault(0), list.ElementAtOrDefault(1), null, null, false, false);
            }
        }

        var status = PodStatusBuilder.Build(pod, views, _podIp, _rt.HostIp, _startTime.Value, now.UtcDateTime);
        if (_evictionMessage is not null)
        {
            MarkEvicted(status, pod, _evictionMessage, now.UtcDateTime);
        }

        if (status.Phase is "Succeeded" or "Failed")
        {
            await StopSandboxAsync(ct).ConfigureAwait(false);
        }

        await PostStatusAsync(pod, status, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Upstream's eviction manager for emptyDir sizeLimit: every <see cref="KubeletOptions.EmptyDirCheckInterval"/>
    /// the pod's disk emptyDirs are measured; one over its limit kills the containers (2 s grace,
    /// upstream's minimum), records a Warning Evicted event and leaves the pod Failed/Evicted.
    /// </summary>
    private async Task<bool> EvictIfEmptyDirOverLimitAsync(V1Pod pod, Dictionary<string, List<ContainerRecord>> records, DateTimeOffset now, CancellationToken ct)
    {
        if (now - _lastEmptyDirCheck < _rt.Options.EmptyDirCheckInterval || !_volumes.AllReady(pod))
        {
            return false;
        }

        _lastEmptyDirCheck = now;
        if (_volumes.EmptyDirLimitViolation(pod) is not { } message)
        {
            return false;
        }

        LogEvicted(PodKey, message);
        _evictionMessage = message;
        _rt.Events.Event(pod, "Warning", EvictedReason, message);
        foreach (var name in _probes.Keys.ToList())
        {
            await DropProbesAsync(name).ConfigureAwait(false);
        }

        var specs = (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers ?? []).ToDictionary(c => c.Name, StringComparer.Ordinal);
        await Task.WhenAll(records.Values.SelectMany(l => l).Where(r => r.State == RecordState.Running)
            .Select(r => KillContainerAsync(pod, specs.GetValueOrDefault(r.Name), r.Id, EvictionGraceSeconds, ct))).ConfigureAwait(false);
        return true;
    }

    /// <summary>The status upstream gives an evicted pod: Failed, reason Evicted, and a DisruptionTarget condition.</summary>
    private static void MarkEvicted(V1PodStatus status, V1Pod pod, string message, DateTime now)
    {
        status.Phase = "Failed";
        status.Reason = EvictedReason;
        status.Message = message;
        var previous = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "DisruptionTarget");
        status.Conditions.Add(new V1PodCondition
        {
            Type = "DisruptionTarget",
            Status = "True",
            Reason = "TerminationByKubelet",
            Message = message,
            LastTransitionTime = previous?.Status == "True" ? previous.LastTransitionTime : now,
        });
        foreach (var c in status.Conditions.Where(c => c.Type is "Ready" or "ContainersReady"))
        {
            c.Status = "False";
            c.Reason = "PodCompleted";
            c.Message = null;
        }
    }

    /// <summary>
    /// Sets up (and periodically refreshes) the pod's volumes; false while one is not ready, which
    /// keeps the pod ContainerCreating, with a FailedMount event as upstream.
    /// </summary>
    private async Task<bool> SetUpVolumesAsync(V1Pod pod, CancellationToken ct)
    {
        foreach (var failure in await _volumes.SetUpAsync(pod, ct).ConfigureAwait(false))
        {
            LogMountFailed(PodKey, failure);
            _rt.Events.Event(pod, "Warning", "FailedMount", failure);
        }

        return _volumes.AllReady(pod);
    }

    /// <summary>The running sandbox, creating one when needed; null when the pod is finished and needs none.</summary>
    private async Task<PodSandboxConfig?> EnsureSandboxAsync(V1Pod pod, Dictionary<string, List<ContainerRecord>> records, bool terminal, CancellationToken ct)
    {
        var filter = new PodSandboxFilter();
        filter.LabelSelector[CriLabels.PodUid] = pod.Metadata.Uid;
        var sandboxes = (await _rt.Cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = filter }, cancellationToken: ct).ConfigureAwait(false)).Items;
        var ready = sandboxes.Where(s => s.State == PodSandboxState.SandboxReady).MaxBy(s => s.CreatedAt);
        if (ready is null && (terminal || Finished(pod, records)))
        {
            return null;
        }

        if (ready is null)
        {
            // A dead sandbox takes its containers with it: stop what is left before starting over.
            foreach (var old in sandboxes)
            {
                await _rt.Cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = old.Id }, cancellationToken: ct).ConfigureAwait(false);
            }

            var attempt = sandboxes.Count == 0 ? 0u : sandboxes.Max(s => s.Metadata.Attempt) + 1;
            var config = RuntimeConfigBuilder.Sandbox(pod, attempt, _rt.PodLogRoot, _rt.Cgroups, PodDns.Config(pod, _rt.Options));
            Directory.CreateDirectory(config.LogDirectory);
            var created = await _rt.Cri.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = config }, cancellationToken: ct).ConfigureAwait(false);
            _sandboxId = created.PodSandboxId;
            _podIp = await SandboxIpAsync(created.PodSandboxId, ct).ConfigureAwait(false);
            LogSandboxStarted(PodKey, _podIp ?? "-");
            return config;
        }

        if (_sandboxId != ready.Id)
        {
            _sandboxId = ready.Id;
            _podIp = await SandboxIpAsync(ready.Id, ct).ConfigureAwait(false);
        }

        return RuntimeConfigBuilder.Sandbox(pod, ready.Metadata.Attempt, _rt.PodLogRoot, _rt.Cgroups);
    }

    private async Task<string?> SandboxIpAsync(string id, CancellationToken ct)
    {
        var status = await _rt.Cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = id }, cancellationToken: ct).ConfigureAwait(false);
        var ip = status.Status.Network?.Ip;
        return string.IsNullOrEmpty(ip) ? (Volatile.Read(ref _pod).Spec.HostNetwork == true ? _rt.HostIp : null) : ip;
    }

    /// <summary>True when every app container ended and the restart policy restarts none of them.</summary>
    private static bool Finished(V1Pod pod, Dictionary<string, List<ContainerRecord>> records)
    {
        var policy = pod.Spec.RestartPolicy ?? "Always";
        if (policy == "Always" || pod.Spec.Containers is not { Count: > 0 } containers)
        {
            return false;
        }

        return containers.All(c => records.GetValueOrDefault(c.Name)?.FirstOrDefault() is { State: RecordState.Exited } r && (policy == "Never" || r.ExitCode == 0));
    }

    private async Task<bool> SyncInitContainersAsync(V1Pod pod, PodSandboxConfig sandbox, Dictionary<string, List<ContainerRecord>> records, Dictionary<string, ContainerView> views, DateTimeOffset now, CancellationToken ct)
    {
        var done = true;
        foreach (var container in pod.Spec.InitContainers ?? [])
        {
            var list = records.GetValueOrDefault(container.Name) ?? [];
            var current = list.ElementAtOrDefault(0);
            var previous = list.ElementAtOrDefault(1);
            if (!done)
            {
                views[container.Name] = new ContainerView(current, previous, null, null, false, false);
                continue;
            }

            if (current is { State: RecordState.Exited, ExitCode: 0 })
            {
                views[container.Name] = new ContainerView(current, previous, null, null, false, true);
                continue;
            }

            done = false;
            if (current is { State: RecordState.Running or RecordState.Created or RecordState.Unknown })
            {
                views[container.Name] = new ContainerView(current, previous, null, null, false, true);
            }
            else if (current is { State: RecordState.Exited } && pod.Spec.RestartPolicy == "Never")
            {
                views[container.Name] = new ContainerView(current, previous, null, null, false, false);
            }
            else
            {
                views[container.Name] = await StartAsync(pod, sandbox, container, init: true, current, previous, now, ct).ConfigureAwait(false);
            }
        }

        return done;
    }

    private async Task SyncAppContainersAsync(V1Pod pod, PodSandboxConfig sandbox, Dictionary<string, List<ContainerRecord>> records, Dictionary<string, ContainerView> views, DateTimeOffset now, CancellationToken ct)
    {
        var policy = pod.Spec.RestartPolicy ?? "Always";
        foreach (var container in pod.Spec.Containers ?? [])
        {
            var list = records.GetValueOrDefault(container.Name) ?? [];
            var current = list.ElementAtOrDefault(0);
            var previous = list.ElementAtOrDefault(1);
            if (current is { State: RecordState.Running })
            {
                var probes = EnsureProbes(container, current.Id);
                if (probes.KillReason is { } reason)
                {
                    LogProbeKill(PodKey, reason);
                    await KillContainerAsync(pod, container, current.Id, GracePeriod(pod, null), ct).ConfigureAwait(false);
                    _exitedCache.Remove(current.Id);
                    current = await RecordAsync(current.Id, ct).ConfigureAwait(false) ?? current;
                }
                else
                {
                    views[container.Name] = new ContainerView(current, previous, null, null, probes.Ready, probes.Started);
                    continue;
                }
            }

            await DropProbesAsync(container.Name).ConfigureAwait(false);
            var restart = current is null || policy == "Always" || (policy == "OnFailure" && current.ExitCode != 0);
            if (current is { State: RecordState.Created or RecordState.Unknown } created && created.StartedAt is null && _waiting.ContainsKey(container.Name) is false)
            {
                // Created but never started (start failed or agent died in between): start it over.
                restart = true;
            }

            views[container.Name] = restart
                ? await StartAsync(pod, sandbox, container, init: false, current, previous, now, ct).ConfigureAwait(false)
                : new ContainerView(current, previous, null, null, false, false);
        }
    }

    /// <summary>Starts a container (first time or restart), honouring crash-loop backoff; returns its view.</summary>
    private async Task<ContainerView> StartAsync(V1Pod pod, PodSandboxConfig sandbox, V1Container container, bool init, ContainerRecord? current, ContainerRecord? previous, DateTimeOffset now, CancellationToken ct)
    {
        var isRestart = current is not null;
        var restartCount = current is null ? 0 : current.RestartCount + 1;
        var key = container.Name;
        if (isRestart && _backoff.IsInBackoff(key, now, out _))
        {
            var delay = _backoff.Peek(key, now) / 2;
            return new ContainerView(current, previous, "CrashLoopBackOff",
                $"back-off {FormatDelay(delay)} restarting failed container={container.Name} pod={pod.Metadata.Name}_{pod.Metadata.NamespaceProperty}({pod.Metadata.Uid})", false, false);
        }

        if (await _images.EnsureAsync(container, now, ct).ConfigureAwait(false) is { } pullProblem)
        {
            _waiting[key] = pullProblem;
            return new ContainerView(current, previous, pullProblem.Reason, pullProblem.Message, false, false);
        }

        ContainerConfig config;
        try
        {
            var env = await _rt.Env.ResolveAsync(pod, container, _podIp, _rt.HostIp, ct).ConfigureAwait(false);
            config = RuntimeConfigBuilder.Container(pod, container, init, restartCount, env);
            var values = env.GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
            config.Mounts.AddRange(ContainerMounts.Build(container, _volumes.Ready, values));
        }
        catch (InvalidOperationException e)
        {
            _waiting[key] = ("CreateContainerConfigError", e.Message);
            return new ContainerView(current, previous, "CreateContainerConfigError", e.Message, false, false);
        }

        if (isRestart)
        {
            _backoff.Next(key, now);
        }

        // Only the newest instance and the one before it are kept (for lastState and logs).
        if (previous is not null)
        {
            await RemoveContainerAsync(previous.Id, ct).ConfigureAwait(false);
        }

        string id;
        try
        {
            id = (await _rt.Cri.Runtime.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = _sandboxId, Config = config, SandboxConfig = sandbox }, cancellationToken: ct).ConfigureAwait(false)).ContainerId;
        }
        catch (RpcException e)
        {
            _waiting[key] = ("CreateContainerError", e.Status.Detail);
            return new ContainerView(current, previous, "CreateContainerError", e.Status.Detail, false, false);
        }

        try
        {
            await _rt.Cri.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = id }, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            _waiting[key] = ("RunContainerError", e.Status.Detail);
            return new ContainerView(await RecordAsync(id, ct).ConfigureAwait(false), current, "RunContainerError", e.Status.Detail, false, false);
        }

        _waiting.Remove(key);
        LogContainerStarted(PodKey, container.Name, restartCount);
        if (container.Lifecycle?.PostStart is { } postStart)
        {
            var outcome = await _rt.Prober.RunHandlerAsync(postStart, container, id, _podIp, TimeSpan.FromSeconds(GracePeriod(pod, null)), ct).ConfigureAwait(false);
            if (!outcome.Success)
            {
                LogHookFailed(PodKey, container.Name, "PostStart", outcome.Message);
                await KillContainerAsync(pod, container, id, GracePeriod(pod, null), ct).ConfigureAwait(false);
            }
        }

        var record = await RecordAsync(id, ct).ConfigureAwait(false);
        var probes = record is { State: RecordState.Running } && !init ? EnsureProbes(container, id) : null;
        return new ContainerView(record, current, null, null, probes?.Ready ?? false, probes?.Started ?? true);
    }

    private ContainerProbes EnsureProbes(V1Container container, string containerId)
    {
        if (_probes.TryGetValue(container.Name, out var existing) && existing.ContainerId == containerId)
        {
            return existing;
        }

        if (existing is not null)
        {
            _ = existing.DisposeAsync().AsTask();
        }

        var probes = new ContainerProbes(_rt.Prober, container, containerId, _podIp, () => _signal.Release(), _rt.Time);
        _probes[container.Name] = probes;
        probes.Start();
        return probes;
    }

    private async Task DropProbesAsync(string name)
    {
        if (_probes.Remove(name, out var probes))
        {
            await probes.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>preStop (within the grace period), then SIGTERM and SIGKILL at the end of what is left of it.</summary>
    private async Task KillContainerAsync(V1Pod pod, V1Container? container, string id, long graceSeconds, CancellationToken ct)
    {
        var started = _rt.Time.GetUtcNow();
        if (container?.Lifecycle?.PreStop is { } preStop && graceSeconds > 0)
        {
            var outcome = await _rt.Prober.RunHandlerAsync(preStop, container, id, _podIp, TimeSpan.FromSeconds(graceSeconds), ct).ConfigureAwait(false);
            if (!outcome.Success)
            {
                LogHookFailed(PodKey, container.Name, "PreStop", outcome.Message);
            }
        }

        var left = Math.Max(graceSeconds == 0 ? 0 : 2, graceSeconds - (long)(_rt.Time.GetUtcNow() - started).TotalSeconds);
        try
        {
            await _rt.Cri.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = id, Timeout = left }, deadline: DateTime.UtcNow.AddSeconds(left + 30), cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
    }

    private async Task TerminateAsync(V1Pod pod, CancellationToken ct)
    {
        var grace = GracePeriod(pod, pod.Metadata.DeletionGracePeriodSeconds);
        foreach (var name in _probes.Keys.ToList())
        {
            await DropProbesAsync(name).ConfigureAwait(false);
        }

        var records = await ListRecordsAsync(pod.Metadata.Uid, ct).ConfigureAwait(false);
        var specs = (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers ?? []).ToDictionary(c => c.Name, StringComparer.Ordinal);
        await Task.WhenAll(records.Values.SelectMany(l => l).Where(r => r.State == RecordState.Running)
            .Select(r => KillContainerAsync(pod, specs.GetValueOrDefault(r.Name), r.Id, grace, ct))).ConfigureAwait(false);
        await RemoveAllAsync(pod.Metadata.Uid, _rt, ct).ConfigureAwait(false);
        LogTerminated(PodKey);
        if (_removed)
        {
            return;
        }

        try
        {
            await _rt.Client.CoreV1.DeleteNamespacedPodAsync(
                pod.Metadata.Name,
                pod.Metadata.NamespaceProperty,
                new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } },
                cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
        }
    }

    /// <summary>Removes every sandbox and container of a pod from the runtime and its cgroup directories.</summary>
    public static async Task RemoveAllAsync(string uid, PodRuntime rt, CancellationToken ct)
    {
        var filter = new PodSandboxFilter();
        filter.LabelSelector[CriLabels.PodUid] = uid;
        var sandboxes = (await rt.Cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = filter }, cancellationToken: ct).ConfigureAwait(false)).Items;
        var containerFilter = new ContainerFilter();
        containerFilter.LabelSelector[CriLabels.PodUid] = uid;
        var containers = (await rt.Cri.Runtime.ListContainersAsync(new ListContainersRequest { Filter = containerFilter }, cancellationToken: ct).ConfigureAwait(false)).Containers;
        foreach (var sandbox in sandboxes)
        {
            await rt.Cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = sandbox.Id }, cancellationToken: ct).ConfigureAwait(false);
        }

        foreach (var container in containers)
        {
            await rt.Cri.Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = container.Id }, cancellationToken: ct).ConfigureAwait(false);
        }

        string? logDir = null;
        foreach (var sandbox in sandboxes)
        {
            logDir ??= Path.Combine(rt.PodLogRoot, $"{sandbox.Metadata.Namespace}_{sandbox.Metadata.Name}_{uid}");
            await rt.Cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = sandbox.Id }, cancellationToken: ct).ConfigureAwait(false);
        }

        foreach (var qos in new[] { "Guaranteed", "Burstable", "BestEffort" })
        {
            foreach (var dir in rt.Cgroups.PodDirectories(rt.Cgroups.PodParent(qos, uid)))
            {
                TryRemoveCgroup(dir);
            }
        }

        if (logDir is not null && Directory.Exists(logDir))
        {
            Directory.Delete(logDir, recursive: true);
        }

        rt.Volumes.CleanUpPod(uid);
    }

    private static void TryRemoveCgroup(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                // A cgroup directory is removed with rmdir once empty; its files are virtual.
                foreach (var child in Directory.GetDirectories(dir))
                {
                    TryRemoveCgroup(child);
                }

                Directory.Delete(dir);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task StopSandboxAsync(CancellationToken ct)
    {
        if (_sandboxId is not null)
        {
            await _rt.Cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = _sandboxId }, cancellationToken: ct).ConfigureAwait(false);
            _sandboxId = null;
        }
    }

    private async Task RemoveContainerAsync(string id, CancellationToken ct)
    {
        _exitedCache.Remove(id);
        try
        {
            await _rt.Cri.Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id }, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
    }

    /// <summary>All container instances of the pod, grouped by container name, newest first.</summary>
    private async Task<Dictionary<string, List<ContainerRecord>>> ListRecordsAsync(string uid, CancellationToken ct)
    {
        var filter = new ContainerFilter();
        filter.LabelSelector[CriLabels.PodUid] = uid;
        var containers = (await _rt.Cri.Runtime.ListContainersAsync(new ListContainersRequest { Filter = filter }, cancellationToken: ct).ConfigureAwait(false)).Containers;
        var records = new List<ContainerRecord>();
        foreach (var c in containers)
        {
            if (await RecordAsync(c.Id, ct).ConfigureAwait(false) is { } record)
            {
                records.Add(record);
            }
        }

        return records.GroupBy(r => r.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.RestartCount).ThenByDescending(r => r.CreatedAt).ToList(), StringComparer.Ordinal);
    }

    private async Task<ContainerRecord?> RecordAsync(string id, CancellationToken ct)
    {
        if (_exitedCache.TryGetValue(id, out var cached))
        {
            return cached;
        }

        ContainerStatus status;
        try
        {
            status = (await _rt.Cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = id }, cancellationToken: ct).ConfigureAwait(false)).Status;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }

        var record = new ContainerRecord(
            status.Id,
            status.Labels.GetValueOrDefault(CriLabels.ContainerName) ?? status.Metadata.Name,
            int.TryParse(status.Annotations.GetValueOrDefault(CriLabels.RestartCount), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : (int)status.Metadata.Attempt,
            status.State switch
            {
                ContainerState.ContainerRunning => RecordState.Running,
                ContainerState.ContainerExited => RecordState.Exited,
                ContainerState.ContainerCreated => RecordState.Created,
                _ => RecordState.Unknown,
            },
            FromNanos(status.CreatedAt) ?? DateTime.UnixEpoch,
            FromNanos(status.StartedAt),
            FromNanos(status.FinishedAt),
            status.ExitCode,
            status.Reason,
            status.Message,
            status.Image?.Image ?? string.Empty,
            status.ImageRef);
        if (record.State == RecordState.Exited)
        {
            _exitedCache[id] = record;
        }

        return record;
    }

    private async Task PostStatusAsync(V1Pod pod, V1PodStatus status, CancellationToken ct)
    {
        var body = KubernetesJson.Serialize(new { status });
        var comparable = System.Text.RegularExpressions.Regex.Replace(body, "\"lastTransitionTime\":\"[^\"]*\"", string.Empty);
        if (comparable == _lastStatus)
        {
            return;
        }

        await _rt.Client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(body, V1Patch.PatchType.MergePatch), pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct).ConfigureAwait(false);
        _lastStatus = comparable;
    }

    private const string EvictedReason = "Evicted";

    /// <summary>Upstream kills an evicted pod with no grace beyond its 2 s minimum.</summary>
    private const long EvictionGraceSeconds = 2;

    private static long GracePeriod(V1Pod pod, long? deletionGrace) => Math.Max(0, deletionGrace ?? pod.Spec.TerminationGracePeriodSeconds ?? 30);

    private static DateTime? FromNanos(long nanos) => nanos <= 0 ? null : DateTime.UnixEpoch.AddTicks(nanos / 100);

    private static string FormatDelay(TimeSpan delay) =>
        delay.TotalMinutes >= 1 ? $"{(int)delay.TotalMinutes}m{delay.Seconds}s" : $"{(int)delay.TotalSeconds}s";

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Pod}: sync failed: {Reason}")]
    private partial void LogSyncFailed(string pod, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Pod}: sandbox started, IP {Ip}")]
    private partial void LogSandboxStarted(string pod, string ip);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Pod}: container {Container} started (restart {Restarts})")]
    private partial void LogContainerStarted(string pod, string container, int restarts);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Pod}: {Reason}")]
    private partial void LogProbeKill(string pod, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Pod}: {Hook} hook of {Container} failed: {Reason}")]
    private partial void LogHookFailed(string pod, string container, string hook, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Pod}: {Failure}")]
    private partial void LogMountFailed(string pod, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Pod}: evicted: {Reason}")]
    private partial void LogEvicted(string pod, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Pod}: terminated and removed from the runtime")]
    private partial void LogTerminated(string pod);
}

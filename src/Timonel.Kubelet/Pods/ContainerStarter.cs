using Grpc.Core;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Events;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Starts one instance of a pod's container (upstream's startContainer): honours crash-loop
/// backoff, pulls the image per its policy, resolves env and mounts, creates and starts it in
/// the sandbox and runs its postStart hook. Every failure becomes the container's waiting reason
/// (CrashLoopBackOff, ErrImagePull, CreateContainerConfigError, CreateContainerError, RunContainerError)
/// and an event, with upstream's reasons and texts (Created, Started, BackOff, Failed "Error: ...").
/// </summary>
internal sealed partial class ContainerStarter
{
    private readonly PodRuntime _rt;
    private readonly PodState _state;
    private readonly PodRecords _records;
    private readonly PodVolumes _volumes;
    private readonly PodTerminator _terminator;
    private readonly Action _wake;
    private readonly ILogger _log;
    private readonly CrashLoopBackoff _backoff = new();
    private readonly ImagePuller _images;

    /// <param name="wake">Asks the pod worker to sync again (a probe result flipped).</param>
    public ContainerStarter(PodRuntime runtime, PodState state, PodRecords records, PodVolumes volumes, PodTerminator terminator, Action wake, ILogger log)
    {
        _rt = runtime;
        _state = state;
        _records = records;
        _volumes = volumes;
        _terminator = terminator;
        _wake = wake;
        _log = log;
        _images = new ImagePuller(runtime, log);
    }

    /// <summary>Starts a container (first time or restart) in the pod's sandbox; returns what the status shows of it.</summary>
    public async Task<ContainerView> StartAsync(V1Pod pod, PodSandboxConfig sandbox, V1Container container, bool init, ContainerRecord? current, ContainerRecord? previous, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var isRestart = current is not null;
        var restartCount = current is null ? 0 : current.RestartCount + 1;

        // Keyed by the spec as upstream does: a container restarted for a new image does not inherit the old one's backoff.
        var backoffKey = $"{container.Name}/{ContainerSpecHash.Of(container)}";
        if (isRestart && _backoff.IsInBackoff(backoffKey, now, out _))
        {
            var delay = _backoff.Peek(backoffKey, now) / 2;
            _rt.Events.Container(pod, container, EventTypes.Warning, "BackOff", $"Back-off restarting failed container {container.Name} in pod {PodName(pod)}");
            return new ContainerView(current, previous, "CrashLoopBackOff",
                $"back-off {FormatDelay(delay)} restarting failed container={container.Name} pod={PodName(pod)}", false, false);
        }

        if (await _images.EnsureAsync(pod, container, now, cancellationToken).ConfigureAwait(false) is { } pullProblem)
        {
            // Upstream's error for these is the reason itself: the event reads "Error: ErrImagePull".
            return Failed(pod, container, current, previous, pullProblem.Reason, pullProblem.Message, pullProblem.Reason);
        }

        ContainerConfig config;
        try
        {
            var env = await _rt.Env.ResolveAsync(pod, container, _state.PodIp, _rt.HostIp, cancellationToken).ConfigureAwait(false);
            config = RuntimeConfigBuilder.Container(pod, container, init, restartCount, env);
            var values = env.GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
            config.Mounts.AddRange(ContainerMounts.Build(container, _volumes.Ready, values));
        }
        catch (InvalidOperationException e)
        {
            return Failed(pod, container, current, previous, "CreateContainerConfigError", e.Message, e.Message);
        }

        if (isRestart)
        {
            _backoff.Next(backoffKey, now);
        }

        // Only the newest instance and the one before it are kept (for lastState and logs).
        if (previous is not null)
        {
            _records.Forget(previous.Id);
            await _rt.Cri.RemoveContainerAsync(previous.Id, cancellationToken).ConfigureAwait(false);
        }

        string id;
        try
        {
            id = await _rt.Cri.CreateContainerAsync(_state.SandboxId ?? string.Empty, config, sandbox, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            return Failed(pod, container, current, previous, "CreateContainerError", e.Status.Detail, e.Status.Detail);
        }

        // The instance runs with the resources it was created with until a resize updates them.
        _state.Applied[id] = ResourceAllocations.Copy(container.Resources);
        _rt.Events.Container(pod, container, EventTypes.Normal, "Created", $"Created container: {container.Name}");
        try
        {
            await _rt.Cri.StartContainerAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            return Failed(pod, container, await _records.GetAsync(id, cancellationToken).ConfigureAwait(false), current, "RunContainerError", e.Status.Detail, e.Status.Detail);
        }
        _rt.Events.Container(pod, container, EventTypes.Normal, "Started", $"Started container {container.Name}");

        _state.Waiting.Remove(container.Name);
        LogContainerStarted(Key(pod), container.Name, restartCount);
        var grace = PodTerminator.GracePeriod(pod, null);
        if (container.Lifecycle?.PostStart is { } postStart)
        {
            var outcome = await _rt.Prober.RunHandlerAsync(postStart, container, id, _state.PodIp, TimeSpan.FromSeconds(grace), cancellationToken).ConfigureAwait(false);
            if (!outcome.Success)
            {
                LogHookFailed(Key(pod), container.Name, "PostStart", outcome.Message);
                _rt.Events.Container(pod, container, EventTypes.Warning, "FailedPostStartHook", outcome.Message);
                await _terminator.KillContainerAsync(pod, container, id, _state.PodIp, grace, "FailedPostStartHook", cancellationToken).ConfigureAwait(false);
            }
        }

        var record = await _records.GetAsync(id, cancellationToken).ConfigureAwait(false);
        var probes = record is { State: RecordState.Running } && !init
            ? _rt.Probes.Ensure(pod.Metadata.Uid, container, id, _state.PodIp, _wake, PodSyncer.Unhealthy(_rt, pod, container))
            : null;
        return new ContainerView(record, current, null, null, probes?.Ready ?? false, probes?.Started ?? true);
    }

    /// <summary>A failed start: a Warning "Failed" event "Error: ..." as upstream, and the container waits with the reason.</summary>
    private ContainerView Failed(V1Pod pod, V1Container container, ContainerRecord? current, ContainerRecord? previous, string reason, string message, string error)
    {
        _rt.Events.Container(pod, container, EventTypes.Warning, "Failed", $"Error: {error}");
        return Waiting(container, current, previous, reason, message);
    }

    private ContainerView Waiting(V1Container container, ContainerRecord? current, ContainerRecord? previous, string reason, string message)
    {
        _state.Waiting[container.Name] = (reason, message);
        return new ContainerView(current, previous, reason, message, false, false);
    }

    /// <summary>A pod as upstream's logs and messages name it: name_namespace(uid).</summary>
    private static string PodName(V1Pod pod) => $"{pod.Metadata.Name}_{pod.Metadata.NamespaceProperty}({pod.Metadata.Uid})";

    private static string Key(V1Pod pod) => $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";

    private static string FormatDelay(TimeSpan delay) =>
        delay.TotalMinutes >= 1 ? $"{(int)delay.TotalMinutes}m{delay.Seconds}s" : $"{(int)delay.TotalSeconds}s";

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Pod}: container {Container} started (restart {Restarts})")]
    private partial void LogContainerStarted(string pod, string container, int restarts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Pod}: {Hook} hook of {Container} failed: {Reason}")]
    private partial void LogHookFailed(string pod, string container, string hook, string reason);
}

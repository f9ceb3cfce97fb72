using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Timonel.Client.Events;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Kills containers as upstream's kubelet does — preStop within the grace period, then SIGTERM
/// and SIGKILL at the end of what is left of it — and tears whole pods down: every sandbox and
/// container removed from the runtime, cgroups, logs and volumes cleaned, the API object deleted.
/// </summary>
internal sealed partial class PodTerminator
{
    private readonly PodRuntime _rt;
    private readonly ILogger _log;

    public PodTerminator(PodRuntime runtime, ILogger log)
    {
        _rt = runtime;
        _log = log;
    }

    /// <summary>The grace period a kill gets: the deletion's, else the pod's, else 30 s.</summary>
    public static long GracePeriod(V1Pod pod, long? deletionGrace) => Math.Max(0, deletionGrace ?? pod.Spec.TerminationGracePeriodSeconds ?? 30);

    /// <summary>
    /// A Normal Killing event ("Stopping container NAME", or <paramref name="message"/> when the kill
    /// has a reason, e.g. a failed liveness probe), preStop (within the grace period), then SIGTERM
    /// and SIGKILL at the end of what is left of it.
    /// </summary>
    public async Task KillContainerAsync(V1Pod pod, V1Container? container, string id, string? podIp, long graceSeconds, string? message, CancellationToken cancellationToken)
    {
        var started = _rt.Time.GetUtcNow();
        if (container is not null)
        {
            _rt.Events.Container(pod, container, EventTypes.Normal, "Killing", message ?? $"Stopping container {container.Name}");
        }

        if (container?.Lifecycle?.PreStop is { } preStop && graceSeconds > 0)
        {
            var outcome = await _rt.Prober.RunHandlerAsync(preStop, container, id, podIp, TimeSpan.FromSeconds(graceSeconds), cancellationToken).ConfigureAwait(false);
            if (!outcome.Success)
            {
                LogHookFailed(Key(pod), container.Name, "PreStop", outcome.Message);
            }
        }

        // Upstream leaves at least 2 s between SIGTERM and SIGKILL unless the grace is zero.
        var left = Math.Max(graceSeconds == 0 ? 0 : 2, graceSeconds - (long)(_rt.Time.GetUtcNow() - started).TotalSeconds);
        await _rt.Cri.StopContainerAsync(id, left, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kills every running container of the pod at once, each with <paramref name="graceSeconds"/>.</summary>
    public Task KillRunningAsync(V1Pod pod, IEnumerable<ContainerRecord> records, string? podIp, long graceSeconds, CancellationToken cancellationToken)
    {
        var specs = (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers ?? []).ToDictionary(c => c.Name, StringComparer.Ordinal);
        return Task.WhenAll(records.Where(r => r.State == RecordState.Running)
            .Select(r => KillContainerAsync(pod, specs.GetValueOrDefault(r.Name), r.Id, podIp, graceSeconds, null, cancellationToken)));
    }

    /// <summary>
    /// Stops the pod gracefully, removes it from the runtime and, unless the API object is already
    /// gone (<paramref name="removed"/>), finishes its deletion.
    /// </summary>
    public async Task TerminateAsync(V1Pod pod, bool removed, PodRecords records, string? podIp, CancellationToken cancellationToken)
    {
        var grace = GracePeriod(pod, pod.Metadata.DeletionGracePeriodSeconds);
        await _rt.Probes.DropPodAsync(pod.Metadata.Uid).ConfigureAwait(false);
        try
        {
            var list = await records.ListAsync(cancellationToken).ConfigureAwait(false);
            await KillRunningAsync(pod, list.Values.SelectMany(l => l), podIp, grace, cancellationToken).ConfigureAwait(false);
            await RemoveAllAsync(pod.Metadata.Uid, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            // The worker retries the teardown; the pod's events say why it is stuck, as upstream.
            _rt.Events.Event(pod, EventTypes.Warning, "FailedKillPod", $"error killing pod: {ContainerEvents.GrpcError(e)}");
            throw;
        }

        LogTerminated(Key(pod));
        if (removed)
        {
            return;
        }

        try
        {
            await _rt.Client.CoreV1.DeleteNamespacedPodAsync(
                pod.Metadata.Name,
                pod.Metadata.NamespaceProperty,
                new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } },
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
        }
    }

    /// <summary>Removes every sandbox and container of a pod from the runtime, its cgroup directories, logs and volumes.</summary>
    public async Task RemoveAllAsync(string uid, CancellationToken cancellationToken)
    {
        var records = new PodRecords(_rt.Cri, uid);
        var sandboxes = await records.SandboxesAsync(cancellationToken).ConfigureAwait(false);
        var containerFilter = new Cri.V1.ContainerFilter();
        containerFilter.LabelSelector[CriLabels.PodUid] = uid;
        var containers = await _rt.Cri.ListContainersAsync(containerFilter, cancellationToken).ConfigureAwait(false);
        foreach (var sandbox in sandboxes)
        {
            await _rt.Cri.StopPodSandboxAsync(sandbox.Id, cancellationToken).ConfigureAwait(false);
        }

        foreach (var container in containers)
        {
            await _rt.Cri.RemoveContainerAsync(container.Id, cancellationToken).ConfigureAwait(false);
        }

        string? logDir = null;
        foreach (var sandbox in sandboxes)
        {
            logDir ??= Path.Combine(_rt.PodLogRoot, $"{sandbox.Metadata.Namespace}_{sandbox.Metadata.Name}_{uid}");
            await _rt.Cri.RemovePodSandboxAsync(sandbox.Id, cancellationToken).ConfigureAwait(false);
        }

        foreach (var qos in new[] { "Guaranteed", "Burstable", "BestEffort" })
        {
            foreach (var dir in _rt.Cgroups.PodDirectories(_rt.Cgroups.PodParent(qos, uid)))
            {
                TryRemoveCgroup(dir);
            }
        }

        if (logDir is not null && Directory.Exists(logDir))
        {
            Directory.Delete(logDir, recursive: true);
        }

        _rt.Volumes.CleanUpPod(uid);
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

    private static string Key(V1Pod pod) => $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod {Pod}: {Hook} hook of {Container} failed: {Reason}")]
    private partial void LogHookFailed(string pod, string container, string hook, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Pod}: terminated and removed from the runtime")]
    private partial void LogTerminated(string pod);
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler;

/// <summary>
/// The scheduling loop: pop a pod, run its profile's cycle against a fresh snapshot, assume it
/// on the chosen node, and bind in the background while the next cycle starts (upstream's
/// scheduleOne / bindingCycle). Failures go back to the queue and are reported through the client.
/// </summary>
public sealed partial class Scheduler
{
    private readonly SchedulerCache _cache;
    private readonly SchedulingQueue _queue;
    private readonly IReadOnlyDictionary<string, SchedulingFramework> _profiles;
    private readonly ISchedulerClient _client;
    private readonly SchedulerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly NodeSelection _selection;
    private readonly Snapshot _snapshot = new();
    private readonly ConcurrentDictionary<Task, byte> _background = new();

    public Scheduler(SchedulerCache cache, SchedulingQueue queue, IReadOnlyDictionary<string, SchedulingFramework> profiles, ISchedulerClient client, SchedulerOptions options, TimeProvider time, ILogger? log = null)
    {
        options.Validate();
        _cache = cache;
        _queue = queue;
        _profiles = profiles;
        _client = client;
        _options = options;
        _time = time;
        _log = log ?? NullLogger.Instance;
        _selection = new NodeSelection(options.Parallelism, options.RandomSeed is { } seed ? new Random(seed) : new Random());
        foreach (var p in profiles.Values)
        {
            p.RegisterEvents(queue);
        }
    }

    /// <summary>Called after each attempt: the pod, the node it was assumed on (null when it failed).</summary>
    public Action<PodInfo, string?>? AttemptObserver { get; set; }

    /// <summary>Whether <paramref name="schedulerName"/> names one of this scheduler's profiles.</summary>
    public bool HandlesSchedulerName(string? schedulerName) => _profiles.ContainsKey(string.IsNullOrEmpty(schedulerName) ? "default-scheduler" : schedulerName);

    /// <summary>Runs the loop, the queue flushes and the assumed-pod cleanup until cancelled, then waits for bindings in flight.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var flush = _queue.RunFlushLoopAsync(cancellationToken);
        var cleanup = CleanupLoopAsync(cancellationToken);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                QueuedPodInfo info;
                try
                {
                    info = await _queue.PopAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                await ScheduleOneAsync(info, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await Task.WhenAll(flush, cleanup).ConfigureAwait(false);
            await WaitForBackgroundAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Waits for binding and status-writing tasks started so far.</summary>
    public Task WaitForBackgroundAsync() => Task.WhenAll(_background.Keys);

    /// <summary>One scheduling cycle for a popped pod. The binding continues in the background.</summary>
    public async Task ScheduleOneAsync(QueuedPodInfo info, CancellationToken cancellationToken)
    {
        var pod = info.Pod;
        var schedulerName = pod.Pod.Spec?.SchedulerName;
        if (!_profiles.TryGetValue(string.IsNullOrEmpty(schedulerName) ? "default-scheduler" : schedulerName, out var fwk)
            || pod.Pod.Metadata?.DeletionTimestamp is not null || _cache.IsAssumed(pod.Key))
        {
            _queue.Done(pod.Key);
            return;
        }

        var cycle = _queue.SchedulingCycle;
        _cache.UpdateSnapshot(_snapshot);
        fwk.Handle.Snapshot = _snapshot;
        var state = new CycleState();
        ScheduleResult result;
        try
        {
            result = _selection.Schedule(fwk, state, pod, _snapshot, _queue.Nominator);
        }
#pragma warning disable CA1031 // A plugin bug fails this pod's attempt (SchedulerError), never the loop.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogAlgorithmFailed(_log, pod.Namespace, pod.Name, e);
            result = new ScheduleResult(null, 0, 0, null, Status.Error(e.Message));
        }

        if (!result.Succeeded)
        {
            await HandleFailureAsync(fwk, state, info, result, cycle, cancellationToken).ConfigureAwait(false);
            AttemptObserver?.Invoke(pod, null);
            return;
        }

        var host = result.SuggestedHost!;
        _cache.AssumePod(pod, host);
        var reject = fwk.RunReserve(state, pod, host) ?? fwk.RunPermit(state, pod, host);
        if (reject is not null)
        {
            fwk.RunUnreserve(state, pod, host);
            _cache.ForgetPod(pod.Key);
            await HandleFailureAsync(fwk, state, info, new ScheduleResult(null, 0, 0, null, reject), cycle, cancellationToken).ConfigureAwait(false);
            AttemptObserver?.Invoke(pod, null);
            return;
        }

        _queue.Nominator.Delete(pod.Key);
        AttemptObserver?.Invoke(pod, host);
        Track(Task.Run(() => BindingCycleAsync(fwk, state, info, host, cycle, cancellationToken), CancellationToken.None));
    }

    /// <summary>Runs the algorithm alone (no assume, no bind) against the cache's current state: tests and dry runs.</summary>
    public ScheduleResult Evaluate(PodInfo pod)
    {
        var schedulerName = pod.Pod.Spec?.SchedulerName;
        var fwk = _profiles[string.IsNullOrEmpty(schedulerName) ? "default-scheduler" : schedulerName];
        _cache.UpdateSnapshot(_snapshot);
        fwk.Handle.Snapshot = _snapshot;
        return _selection.Schedule(fwk, new CycleState(), pod, _snapshot, _queue.Nominator);
    }

    private async Task BindingCycleAsync(SchedulingFramework fwk, CycleState state, QueuedPodInfo info, string host, long cycle, CancellationToken cancellationToken)
    {
        var pod = info.Pod;
        Status? failure;
        try
        {
            failure = await fwk.RunPreBindAsync(state, pod, host, cancellationToken).ConfigureAwait(false)
                ?? await fwk.RunBindAsync(state, pod, host, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed bind is retried through the queue, as upstream.
        catch (Exception e)
#pragma warning restore CA1031
        {
            failure = Status.Error($"binding rejected: {e.Message}");
        }

        if (failure is null)
        {
            _cache.FinishBinding(pod.Key);
            _queue.Done(pod.Key);
            LogBound(_log, pod.Namespace, pod.Name, host);
            return;
        }

        fwk.RunUnreserve(state, pod, host);
        _cache.ForgetPod(pod.Key);
        // The forgotten pod freed room on the node: others may fit now (upstream moves on AssignedPodDelete).
        _queue.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.AssignedPod, ActionType.Delete), pod.Pod, null);
        await HandleFailureAsync(fwk, state, info, new ScheduleResult(null, 0, 0, null, failure), cycle, cancellationToken).ConfigureAwait(false);
        _queue.Done(pod.Key);
    }

    private async Task HandleFailureAsync(SchedulingFramework fwk, CycleState state, QueuedPodInfo info, ScheduleResult result, long cycle, CancellationToken cancellationToken)
    {
        var pod = info.Pod;
        string reason;
        string message;
        string? nominated = null;
        info.UnschedulablePlugins.Clear();
        if (result.FitError is { } fit)
        {
            reason = "Unschedulable";
            info.LastFailureWasError = false;
            info.UnschedulablePlugins.UnionWith(fit.UnschedulablePlugins);
            if (fwk.HasPostFilters && fit.PreFilterMessage is null || fwk.HasPostFilters && fit.NodeStatuses.Count > 0)
            {
                try
                {
                    var post = await fwk.RunPostFilterAsync(state, pod, fit.NodeStatuses, cancellationToken).ConfigureAwait(false);
                    nominated = post.NominatedNodeName;
                    if (!post.Status.IsSuccess)
                    {
                        fit.PostFilterMessage = post.Status.Message;
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
#pragma warning disable CA1031 // Preemption failing leaves the pod unschedulable, as upstream.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    LogPreemptionFailed(_log, pod.Namespace, pod.Name, e.Message);
                }
            }

            message = fit.Message();
        }
        else
        {
            var status = result.Error ?? Status.Error("unknown failure");
            reason = status.IsRejected ? "Unschedulable" : "SchedulerError";
            message = status.Message;
            info.LastFailureWasError = !status.IsRejected;
            if (status.Plugin is { } p)
            {
                info.UnschedulablePlugins.Add(p);
            }
        }

        if (nominated is not null)
        {
            _queue.Nominator.Add(pod, nominated);
        }

        _queue.AddUnschedulableIfNotPresent(info, cycle);
        LogUnschedulable(_log, pod.Namespace, pod.Name, message);
        Track(RecordAsync(pod, reason, message, nominated, cancellationToken));
    }

    private async Task RecordAsync(PodInfo pod, string reason, string message, string? nominated, CancellationToken cancellationToken)
    {
        try
        {
            await _client.RecordFailureAsync(pod.Pod, reason, message, nominated, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Reporting is best effort; the pod is retried regardless.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogRecordFailed(_log, pod.Namespace, pod.Name, e.Message);
        }
    }

    private async Task CleanupLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _cache.CleanupExpiredAssumedPods();
        }
    }

    private void Track(Task task)
    {
        _background[task] = 0;
        _ = task.ContinueWith(t => _background.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "bound {Namespace}/{Name} to {Node}")]
    private static partial void LogBound(ILogger logger, string @namespace, string name, string node);

    [LoggerMessage(Level = LogLevel.Debug, Message = "unable to schedule {Namespace}/{Name}: {Message}")]
    private static partial void LogUnschedulable(ILogger logger, string @namespace, string name, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "the scheduling algorithm failed for {Namespace}/{Name}")]
    private static partial void LogAlgorithmFailed(ILogger logger, string @namespace, string name, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "preemption for {Namespace}/{Name} failed: {Message}")]
    private static partial void LogPreemptionFailed(ILogger logger, string @namespace, string name, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not record the scheduling failure of {Namespace}/{Name}: {Message}")]
    private static partial void LogRecordFailed(ILogger logger, string @namespace, string name, string message);
}

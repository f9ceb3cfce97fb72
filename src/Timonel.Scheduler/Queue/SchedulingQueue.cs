using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Queue;

/// <summary>
/// kube-scheduler's priority queue. activeQ holds pods ready to try, highest priority then oldest
/// first; backoffQ holds pods that failed recently, until their backoff (1 s doubling to 10 s per
/// attempt) expires; the unschedulable set holds pods rejected by plugins, until a cluster event
/// one of those plugins registered (and whose hint says Queue) moves them back, or 5 minutes pass.
/// A pod is in at most one of the three, or in flight (popped and being scheduled). Thread-safe.
/// </summary>
public sealed class SchedulingQueue
{
    private readonly Lock _lock = new();
    private readonly SortedSet<QueuedPodInfo> _active = new(ActiveQueueOrder.Instance);
    private readonly SortedSet<QueuedPodInfo> _backoff = new(BackoffQueueOrder.Instance);
    private readonly Dictionary<string, QueuedPodInfo> _unschedulable = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (QueuedPodInfo Info, Place Place)> _where = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<ClusterEventWithHint>> _pluginEvents = new(StringComparer.Ordinal);
    private readonly Nominator _nominator = new();
    private readonly TimeProvider _time;
    private readonly SchedulingQueueOptions _options;
    private TaskCompletionSource? _waiter;
    private long _sequence;
    private long _schedulingCycle;
    private long _moveRequestCycle = -1;
    private bool _closed;

    public SchedulingQueue(TimeProvider time, SchedulingQueueOptions? options = null)
    {
        _time = time;
        _options = options ?? new SchedulingQueueOptions();
        _options.Validate();
    }

    private enum Place
    {
        Active,
        Backoff,
        Unschedulable,
        InFlight,
    }

    /// <summary>How many scheduling attempts have started (upstream's scheduling cycle counter).</summary>
    public long SchedulingCycle
    {
        get
        {
            lock (_lock)
            {
                return _schedulingCycle;
            }
        }
    }

    public Nominator Nominator => _nominator;

    /// <summary>Registers the events each plugin cares about (from <see cref="IEnqueueExtensions"/>).</summary>
    public void RegisterPluginEvents(string plugin, IReadOnlyList<ClusterEventWithHint> events)
    {
        lock (_lock)
        {
            _pluginEvents[plugin] = events;
        }
    }

    /// <summary>A new unscheduled pod: straight to activeQ.</summary>
    public void Add(PodInfo pod)
    {
        lock (_lock)
        {
            if (_where.ContainsKey(pod.Key))
            {
                UpdateLocked(pod);
                return;
            }

            var info = new QueuedPodInfo(pod, _time.GetUtcNow()) { Sequence = ++_sequence };
            PushActive(info);
        }
    }

    /// <summary>The pod object changed while queued: refresh it; an unschedulable pod is retried, as its change may make it fit.</summary>
    public void Update(PodInfo pod)
    {
        lock (_lock)
        {
            if (!_where.ContainsKey(pod.Key))
            {
                PushActive(new QueuedPodInfo(pod, _time.GetUtcNow()) { Sequence = ++_sequence });
                return;
            }

            UpdateLocked(pod);
        }
    }

    /// <summary>The pod was deleted or bound elsewhere: forget it wherever it is.</summary>
    public void Delete(string key)
    {
        lock (_lock)
        {
            if (_where.Remove(key, out var entry))
            {
                RemoveFrom(entry.Info, entry.Place);
            }

            _nominator.Delete(key);
        }
    }

    /// <summary>Waits for the next pod to schedule. Throws OperationCanceledException when cancelled or closed.</summary>
    public async Task<QueuedPodInfo> PopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_closed)
                {
                    throw new OperationCanceledException("the scheduling queue is closed");
                }

                if (_active.Count > 0)
                {
                    var info = _active.Min!;
                    _active.Remove(info);
                    _where[info.Pod.Key] = (info, Place.InFlight);
                    info.Attempts++;
                    _schedulingCycle++;
                    return info;
                }

                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _waiter.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A popped pod succeeded (assumed and handed to binding): it leaves the queue.</summary>
    public void Done(string key)
    {
        lock (_lock)
        {
            if (_where.TryGetValue(key, out var e) && e.Place == Place.InFlight)
            {
                _where.Remove(key);
            }
        }
    }

    /// <summary>
    /// A popped pod failed. If a move request arrived while it was being scheduled (an event that
    /// might help), or it failed with an error, it goes to backoffQ; otherwise to the unschedulable set.
    /// </summary>
    public void AddUnschedulableIfNotPresent(QueuedPodInfo info, long podSchedulingCycle)
    {
        lock (_lock)
        {
            if (_where.TryGetValue(info.Pod.Key, out var e) && e.Place != Place.InFlight)
            {
                return;
            }

            if (!_where.ContainsKey(info.Pod.Key))
            {
                // Deleted while in flight.
                return;
            }

            info.Timestamp = _time.GetUtcNow();
            info.Sequence = ++_sequence;
            if (_moveRequestCycle >= podSchedulingCycle || info.LastFailureWasError)
            {
                PushBackoff(info);
            }
            else
            {
                _unschedulable[info.Pod.Key] = info;
                _where[info.Pod.Key] = (info, Place.Unschedulable);
            }
        }
    }

    /// <summary>
    /// A cluster event happened: every unschedulable pod rejected by a plugin that registered this
    /// event (and whose hint says Queue) moves to activeQ, or backoffQ if still backing off.
    /// </summary>
    public int MoveAllToActiveOrBackoffQueue(ClusterEvent clusterEvent, object? oldObject = null, object? newObject = null)
    {
        lock (_lock)
        {
            _moveRequestCycle = _schedulingCycle;
            if (_unschedulable.Count == 0)
            {
                return 0;
            }

            var moved = 0;
            foreach (var info in _unschedulable.Values.ToList())
            {
                if (clusterEvent == ClusterEvent.UnschedulableTimeout || ShouldRequeue(info, clusterEvent, oldObject, newObject))
                {
                    _unschedulable.Remove(info.Pod.Key);
                    MoveOut(info);
                    moved++;
                }
            }

            return moved;
        }
    }

    /// <summary>Moves pods whose backoff expired to activeQ (upstream runs this every second).</summary>
    public void FlushBackoffCompleted()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            while (_backoff.Count > 0 && _backoff.Min!.BackoffExpiry <= now)
            {
                var info = _backoff.Min;
                _backoff.Remove(info);
                PushActive(info);
            }
        }
    }

    /// <summary>Retries pods unschedulable for longer than the limit (upstream runs this every 30 s).</summary>
    public void FlushUnschedulableLeftover()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            foreach (var info in _unschedulable.Values.Where(i => now - i.Timestamp > _options.MaxInUnschedulablePods).ToList())
            {
                _unschedulable.Remove(info.Pod.Key);
                MoveOut(info);
            }
        }
    }

    /// <summary>Runs the periodic flushes until cancelled.</summary>
    public async Task RunFlushLoopAsync(CancellationToken cancellationToken)
    {
        var lastLeftover = _time.GetUtcNow();
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

            FlushBackoffCompleted();
            if (_time.GetUtcNow() - lastLeftover >= TimeSpan.FromSeconds(30))
            {
                lastLeftover = _time.GetUtcNow();
                FlushUnschedulableLeftover();
            }
        }
    }

    /// <summary>Wakes and fails every waiting PopAsync.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            _waiter?.TrySetResult();
            _waiter = null;
        }
    }

    /// <summary>Counts per sub-queue (tests, metrics).</summary>
    public (int Active, int Backoff, int Unschedulable) Counts()
    {
        lock (_lock)
        {
            return (_active.Count, _backoff.Count, _unschedulable.Count);
        }
    }

    /// <summary>The backoff the pod gets after its attempts so far: initial × 2^(attempts−1), capped.</summary>
    public TimeSpan BackoffDuration(QueuedPodInfo info)
    {
        var d = _options.InitialBackoff;
        for (var i = 1; i < info.Attempts && d < _options.MaxBackoff; i++)
        {
            d += d;
        }

        return d > _options.MaxBackoff ? _options.MaxBackoff : d;
    }

    private bool ShouldRequeue(QueuedPodInfo info, ClusterEvent clusterEvent, object? oldObject, object? newObject)
    {
        if (info.UnschedulablePlugins.Count == 0)
        {
            return true;
        }

        foreach (var plugin in info.UnschedulablePlugins)
        {
            if (!_pluginEvents.TryGetValue(plugin, out var events))
            {
                continue;
            }

            foreach (var registration in events)
            {
                if (!clusterEvent.IsCoveredBy(registration.Event))
                {
                    continue;
                }

                QueueingHint hint;
                try
                {
                    hint = registration.Hint?.Invoke(info.Pod, oldObject, newObject) ?? QueueingHint.Queue;
                }
#pragma warning disable CA1031 // A broken hint must not lose the pod: retry it, as upstream does.
                catch (Exception)
#pragma warning restore CA1031
                {
                    hint = QueueingHint.Queue;
                }

                if (hint == QueueingHint.Queue)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private void UpdateLocked(PodInfo pod)
    {
        var (info, place) = _where[pod.Key];
        switch (place)
        {
            case Place.Active:
                _active.Remove(info);
                info.Pod = pod;
                _active.Add(info);
                break;
            case Place.Backoff:
                info.Pod = pod;
                break;
            case Place.Unschedulable:
                info.Pod = pod;
                _unschedulable.Remove(pod.Key);
                MoveOut(info);
                break;
            default:
                info.Pod = pod;
                break;
        }
    }

    private void MoveOut(QueuedPodInfo info)
    {
        info.BackoffExpiry = info.Timestamp + BackoffDuration(info);
        if (info.BackoffExpiry > _time.GetUtcNow())
        {
            PushBackoff(info);
        }
        else
        {
            PushActive(info);
        }
    }

    private void PushActive(QueuedPodInfo info)
    {
        _active.Add(info);
        _where[info.Pod.Key] = (info, Place.Active);
        _waiter?.TrySetResult();
        _waiter = null;
    }

    private void PushBackoff(QueuedPodInfo info)
    {
        info.BackoffExpiry = info.Timestamp + BackoffDuration(info);
        _backoff.Add(info);
        _where[info.Pod.Key] = (info, Place.Backoff);
    }

    private void RemoveFrom(QueuedPodInfo info, Place place)
    {
        switch (place)
        {
            case Place.Active: _active.Remove(info); break;
            case Place.Backoff: _backoff.Remove(info); break;
            case Place.Unschedulable: _unschedulable.Remove(info.Pod.Key); break;
            default: break;
        }
    }
}

namespace Timonel.Client.WorkQueues;

/// <summary>
/// A work queue for controllers, with client-go's guarantees:
/// <list type="bullet">
/// <item>An item is queued at most once however often it is added (de-duplication).</item>
/// <item>An item is never handed to two workers at once: added while being processed, it is
/// queued again only when the worker calls <see cref="Done"/>.</item>
/// <item><see cref="AddAfter"/> holds an item until a delay passes (the earliest of several
/// delays wins); <see cref="AddRateLimited"/> takes the delay from the rate limiter.</item>
/// <item>After <see cref="ShutDown"/>, adds are ignored, queued items are still handed out,
/// then <see cref="GetAsync"/> reports shutdown.</item>
/// </list>
/// </summary>
public sealed class WorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly IRateLimiter<TKey> _rateLimiter;
    private readonly TimeProvider _time;
    private readonly Queue<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly Queue<TaskCompletionSource<(TKey, bool)>> _waiters = new();
    private readonly PriorityQueue<TKey, DateTimeOffset> _delayed = new();
    private readonly Dictionary<TKey, DateTimeOffset> _readyAt = [];
    private readonly ITimer _timer;
    private bool _shuttingDown;

    /// <param name="rateLimiter">Delays for <see cref="AddRateLimited"/>; defaults to <see cref="RateLimiters.DefaultController{TKey}"/>.</param>
    public WorkQueue(IRateLimiter<TKey>? rateLimiter = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _rateLimiter = rateLimiter ?? RateLimiters.DefaultController<TKey>(_time);
        _timer = _time.CreateTimer(_ => MoveReadyItems(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Items waiting to be handed out (not counting those being processed or delayed).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public bool IsShuttingDown
    {
        get
        {
            lock (_lock)
            {
                return _shuttingDown;
            }
        }
    }

    /// <summary>Queues an item now (a no-op if it is already queued).</summary>
    public void Add(TKey item)
    {
        lock (_lock)
        {
            AddLocked(item);
        }
    }

    /// <summary>Queues an item once <paramref name="delay"/> has passed; zero or less queues it now.</summary>
    public void AddAfter(TKey item, TimeSpan delay)
    {
        lock (_lock)
        {
            AddAtLocked(item, delay <= TimeSpan.Zero ? null : _time.GetUtcNow() + delay);
        }
    }

    /// <summary>
    /// Queues an item at an absolute time on the queue's clock; a time already passed queues it
    /// now. A caller that knows when something is due (a cron schedule) says when, not how long
    /// from its own reading of the clock, which may be stale by the time the queue reads it.
    /// </summary>
    public void AddAt(TKey item, DateTimeOffset readyAt)
    {
        lock (_lock)
        {
            AddAtLocked(item, readyAt <= _time.GetUtcNow() ? null : readyAt);
        }
    }

    private void AddAtLocked(TKey item, DateTimeOffset? readyAt)
    {
        if (_shuttingDown)
        {
            return;
        }

        if (readyAt is not { } at)
        {
            AddLocked(item);
            return;
        }

        if (_readyAt.TryGetValue(item, out var existing) && existing <= at)
        {
            return;
        }

        _readyAt[item] = at;
        _delayed.Enqueue(item, at);
        ArmTimer();
    }

    /// <summary>Queues an item after the rate limiter's delay for it (per-item backoff, overall bucket).</summary>
    public void AddRateLimited(TKey item)
    {
        // The backoff is counted and its due time armed under one lock: whoever sees the requeue
        // counted (NumRequeues) also finds the item waiting, due from the clock as read then,
        // never from a later reading (a clock moved in between would push the retry out).
        lock (_lock)
        {
            var delay = _rateLimiter.When(item);
            AddAtLocked(item, delay <= TimeSpan.Zero ? null : _time.GetUtcNow() + delay);
        }
    }

    /// <summary>Resets the item's backoff; call it when the item was processed successfully.</summary>
    public void Forget(TKey item)
    {
        lock (_lock)
        {
            _rateLimiter.Forget(item);
        }
    }

    public int NumRequeues(TKey item)
    {
        lock (_lock)
        {
            return _rateLimiter.NumRequeues(item);
        }
    }

    /// <summary>
    /// Waits for an item and marks it as being processed; the caller must call <see cref="Done"/>
    /// with it. Returns ShuttingDown = true (and a default item) once shut down and drained.
    /// </summary>
    public async ValueTask<(TKey Item, bool ShuttingDown)> GetAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<(TKey, bool)> waiter;
        lock (_lock)
        {
            if (_queue.Count > 0)
            {
                return (TakeLocked(), false);
            }

            if (_shuttingDown)
            {
                return (default!, true);
            }

            cancellationToken.ThrowIfCancellationRequested();
            waiter = new TaskCompletionSource<(TKey, bool)>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter);
        }

        using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
        {
            return await waiter.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Marks an item as processed; if it was added meanwhile, it is queued again now.</summary>
    public void Done(TKey item)
    {
        lock (_lock)
        {
            _processing.Remove(item);
            if (_dirty.Contains(item))
            {
                _queue.Enqueue(item);
                HandOutLocked();
            }
        }
    }

    /// <summary>Stops accepting items; workers drain what is queued, then see ShuttingDown.</summary>
    public void ShutDown()
    {
        lock (_lock)
        {
            _shuttingDown = true;
            _delayed.Clear();
            _readyAt.Clear();
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            while (_waiters.TryDequeue(out var waiter))
            {
                waiter.TrySetResult((default!, true));
            }
        }
    }

    public void Dispose()
    {
        ShutDown();
        _timer.Dispose();
    }

    private void AddLocked(TKey item)
    {
        if (_shuttingDown || !_dirty.Add(item))
        {
            return;
        }

        if (_processing.Contains(item))
        {
            // Queued again by Done, so two workers never hold the same item.
            return;
        }

        _queue.Enqueue(item);
        HandOutLocked();
    }

    private TKey TakeLocked()
    {
        var item = _queue.Dequeue();
        _processing.Add(item);
        _dirty.Remove(item);
        return item;
    }

    private void HandOutLocked()
    {
        while (_queue.Count > 0 && _waiters.TryDequeue(out var waiter))
        {
            var item = _queue.Peek();
            if (waiter.TrySetResult((item, false)))
            {
                TakeLocked();
            }
        }
    }

    private void MoveReadyItems()
    {
        lock (_lock)
        {
            MoveReadyLocked();
            ArmTimer();
        }
    }

    private void MoveReadyLocked()
    {
        var now = _time.GetUtcNow();
        while (_delayed.TryPeek(out var item, out var readyAt) && readyAt <= now)
        {
            _delayed.Dequeue();
            // A stale entry: the item was re-delayed to an earlier time and already moved.
            if (_readyAt.TryGetValue(item, out var current) && current == readyAt)
            {
                _readyAt.Remove(item);
                AddLocked(item);
            }
        }
    }

    private void ArmTimer()
    {
        while (true)
        {
            // Drop stale heads so the timer is armed for a live entry.
            while (_delayed.TryPeek(out var item, out var readyAt) && (!_readyAt.TryGetValue(item, out var current) || current != readyAt))
            {
                _delayed.Dequeue();
            }

            if (!_delayed.TryPeek(out _, out var next))
            {
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                return;
            }

            var due = next - _time.GetUtcNow();
            _timer.Change(due > TimeSpan.Zero ? due : TimeSpan.FromTicks(1), Timeout.InfiniteTimeSpan);
            // A timer takes a delay, not a due time: a clock that jumped past the head's due time
            // between the reading above and the arming found no timer to fire, and the timer then
            // counts the whole delay again from the new time (with an injected clock that no one
            // moves again, forever). The head's due time is absolute: re-read the clock and hand
            // out what is due now.
            if (next > _time.GetUtcNow())
            {
                return;
            }

            MoveReadyLocked();
        }
    }
}

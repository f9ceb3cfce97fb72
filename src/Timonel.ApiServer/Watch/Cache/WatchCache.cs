using Microsoft.Extensions.Logging;
using Timonel.ApiServer.Registry;
using Timonel.Storage;

namespace Timonel.ApiServer.Watch.Cache;

/// <summary>
/// Upstream's Cacher for one resource (one key prefix): a single store watch, kept running,
/// feeds the current objects (key → newest value) and a window of recent events, and fans each
/// event out to every client watch of the resource. Each event is decoded and serialized once
/// (<see cref="DecodedEvent"/>); every watcher is handed the same instance.
/// </summary>
internal sealed partial class WatchCache
{
    private readonly ObjectStore _objects;
    private readonly WatchCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ObjectStore.WriteMark _written;

    // Set when the store reports watch progress (etcd): consistent reads on a shared store wait
    // for "current up to R" from it. _progressAsked is the time of the request not yet answered.
    private readonly WatchProgress? _progress;
    private long _progressAsked = NotAsked;

    // Guards the state, the window and the watchers, so that a new watcher's starting point
    // (a snapshot, or the window from a revision) and its live events meet without a gap.
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DecodedEvent> _state = new(StringComparer.Ordinal);
    private readonly EventWindow _window;
    private readonly List<CacheWatcher> _watchers = [];
    private TaskCompletionSource _advanced = NewSignal();
    private long _revision = -1;
    private bool _following;

    private readonly WatchStageMetrics? _stages;

    public WatchCache(ObjectStore objects, string prefix, WatchCacheOptions options, TimeProvider time, ILogger log, WatchStageMetrics? stages = null)
    {
        _stages = stages;
        _objects = objects;
        Prefix = prefix;
        _options = options;
        _time = time;
        _log = log;
        _window = new EventWindow(options.WindowEvents);
        _written = objects.TrackWrites(prefix);
        _progress = objects.Store is IWatchProgressStore { SupportsWatchProgress: true } ? new WatchProgress(Progressed) : null;
    }

    private const long NotAsked = long.MinValue;

    /// <summary>True when the store can tell this cache it is current up to a revision (see <see cref="IWatchProgressStore"/>).</summary>
    public bool ReportsProgress => _progress is not null;

    public string Prefix { get; }

    /// <summary>The revision the cache reflects: its last list, or the last event applied (-1 before the first list).</summary>
    public long Revision => Volatile.Read(ref _revision);

    /// <summary>Client watches currently fed.</summary>
    public int WatcherCount
    {
        get
        {
            lock (_lock)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>Lists, then follows one store watch; resumes it from the last revision after a failure, lists again once that is compacted.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var store = _objects.Store;
        var listed = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!listed)
                {
                    var list = await store.RangeAsync(new RangeRequest(Prefix), cancellationToken).ConfigureAwait(false);
                    if (list.Revision == 0)
                    {
                        // An empty store: a watch "after 0" means "from now" to the store, so a write
                        // landing between this list and the watch would be lost. Wait for a first write.
                        await Task.Delay(_options.RetryDelay, _time, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    Replace(list);
                    listed = true;
                }

                var events = _progress is not null && store is IWatchProgressStore progressStore
                    ? progressStore.WatchAsync(Prefix, Revision, _progress, cancellationToken)
                    : store.WatchAsync(Prefix, Revision, cancellationToken);
                await foreach (var e in events.ConfigureAwait(false))
                {
                    Apply(e);
                }

                // A store watch only ends when the store is closing: resume after a pause, not in a spin.
                throw new StoreUnavailableException("the store ended the watch");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (StoreCompactedException e)
            {
                // History after our revision is gone: only a new list can bring the cache back.
                listed = false;
                Stop();
                Log.Relisting(_log, Prefix, e.Message);
            }
            catch (Exception e)
            {
                // Cut off, lagged, store unreachable: resume from the last revision applied.
                Volatile.Write(ref _following, false);
                Log.Resuming(_log, Prefix, Revision, e.Message);
                try
                {
                    await Task.Delay(_options.RetryDelay, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        lock (_lock)
        {
            foreach (var w in _watchers)
            {
                w.Close(null);
            }

            _watchers.Clear();
        }
    }

    /// <summary>True while the store watch runs and the cache is listed (a consistent read may be served from it).</summary>
    public bool Following => Volatile.Read(ref _following) && Revision >= 0;

    /// <summary>The revision of this server's newest write under the prefix: a consistent read waits until the cache has it.</summary>
    public long WrittenRevision => _written.Revision;

    /// <summary>Waits until the cache reflects <paramref name="revision"/>; false after <paramref name="timeout"/>.</summary>
    public Task<bool> WaitForRevisionAsync(long revision, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForRevisionAsync(revision, timeout, requestProgress: false, cancellationToken);

    /// <summary>
    /// Waits until the cache reflects <paramref name="revision"/>; false after <paramref name="timeout"/>.
    /// With <paramref name="requestProgress"/> it asks the store for progress while it waits
    /// (a resource nobody writes never sees an event that would bring it there).
    /// </summary>
    public async Task<bool> WaitForRevisionAsync(long revision, TimeSpan timeout, bool requestProgress, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (true)
        {
            Task signal;
            lock (_lock)
            {
                if (_revision >= revision)
                {
                    return true;
                }

                signal = _advanced.Task;
            }

            var left = timeout - _time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            if (requestProgress)
            {
                // Wake up at least every interval to ask again: etcd does not answer while the
                // watch is behind, and an answer may come from before this reader's revision.
                RequestProgress();
                left = left < _options.ProgressRequestInterval ? left : _options.ProgressRequestInterval;
            }

            try
            {
                await signal.WaitAsync(left, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException) when (requestProgress)
            {
                // Asked too early or not answered: the loop asks again until the timeout.
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Asks the store for progress unless a request is outstanding: its answer (or the next
    /// event) wakes every waiting reader, so many concurrent readers cost one request, repeated
    /// at most every <see cref="WatchCacheOptions.ProgressRequestInterval"/> while unanswered
    /// (upstream's conditionalProgressRequester).
    /// </summary>
    public void RequestProgress()
    {
        if (_progress is null)
        {
            return;
        }

        var now = _time.GetTimestamp();
        var asked = Interlocked.Read(ref _progressAsked);
        if (asked != NotAsked && _time.GetElapsedTime(asked, now) < _options.ProgressRequestInterval)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _progressAsked, now, asked) == asked)
        {
            _progress.Request();
        }
    }

    /// <summary>The objects under <paramref name="prefix"/>, in key order, and the revision they are at.</summary>
    public (List<DecodedEvent> Items, long Revision) Snapshot(string prefix)
    {
        lock (_lock)
        {
            return (Select(prefix), _revision);
        }
    }

    /// <summary>The object under <paramref name="key"/> as the cache has it (null when absent).</summary>
    public DecodedEvent? Get(string key)
    {
        lock (_lock)
        {
            return _state.GetValueOrDefault(key);
        }
    }

    /// <summary>A watcher that starts with the current objects under <paramref name="prefix"/> and then follows.</summary>
    public (List<DecodedEvent> Items, CacheWatcher Watcher) WatchWithState(string prefix)
    {
        lock (_lock)
        {
            var watcher = new CacheWatcher(prefix, _revision, [], _options.WatcherBufferEvents);
            _watchers.Add(watcher);
            return (Select(prefix), watcher);
        }
    }

    /// <summary>
    /// A watcher of events after <paramref name="after"/>: the window's, then live ones. Throws
    /// <see cref="StoreCompactedException"/> when the window no longer reaches back that far.
    /// </summary>
    public CacheWatcher Watch(string prefix, long after)
    {
        lock (_lock)
        {
            if (after < _window.StartRevision)
            {
                throw new StoreCompactedException(after, _window.StartRevision);
            }

            var watcher = new CacheWatcher(prefix, after, _window.After(after, prefix), _options.WatcherBufferEvents);
            _watchers.Add(watcher);
            return watcher;
        }
    }

    public void Unwatch(CacheWatcher watcher)
    {
        lock (_lock)
        {
            _watchers.Remove(watcher);
        }

        watcher.Close(null);
    }

    private List<DecodedEvent> Select(string prefix)
    {
        var items = new List<DecodedEvent>();
        foreach (var (key, value) in _state)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                items.Add(value);
            }
        }

        items.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return items;
    }

    private void Replace(RangeResult list)
    {
        lock (_lock)
        {
            _state.Clear();
            foreach (var kv in list.Items)
            {
                _state[kv.Key] = new DecodedEvent(new WatchEvent(WatchEventType.Put, kv, null));
            }

            _window.Reset(list.Revision);
            _revision = list.Revision;
            _following = true;
            Signal();
        }
    }

    // Watchers cannot continue across a relist (events were lost): they are closed and re-watch,
    // getting 410 if their revision is older than the new window.
    private void Stop()
    {
        lock (_lock)
        {
            _following = false;
            foreach (var w in _watchers)
            {
                w.Close(new StoreWatchLaggedException("the watch cache lost its store watch and listed again"));
            }

            _watchers.Clear();
        }
    }

    private void Apply(WatchEvent e)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        var d = new DecodedEvent(e) { Origin = e.CommittedAt > 0 ? e.CommittedAt : now, Stages = _stages };
        _stages?.Cached(e.CommittedAt, now);
        lock (_lock)
        {
            if (e.Revision <= _revision)
            {
                return;
            }

            if (e.Type == WatchEventType.Delete)
            {
                _state.Remove(e.Kv.Key);
            }
            else
            {
                _state[e.Kv.Key] = d;
            }

            _window.Add(d);
            _revision = e.Revision;
            _following = true;
            _watchers.RemoveAll(w => !w.Offer(d));
            Signal();
        }
    }

    // The store's answer: every event under the prefix up to the revision has been applied, so
    // the cache reflects the store at that revision (upstream's watchCache moves its
    // resourceVersion on progress notifications the same way).
    private void Progressed(long revision)
    {
        Interlocked.Exchange(ref _progressAsked, NotAsked);
        lock (_lock)
        {
            if (_revision >= 0 && revision > _revision)
            {
                _revision = revision;
                _following = true;
            }

            // Also when it brought nothing new: waiting readers ask again.
            Signal();
        }
    }

    private void Signal()
    {
        var previous = _advanced;
        _advanced = NewSignal();
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Watch cache of {Prefix} lost its history, listing again: {Reason}")]
        public static partial void Relisting(ILogger logger, string prefix, string reason);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Watch cache of {Prefix} resumes its store watch after revision {Revision}: {Reason}")]
        public static partial void Resuming(ILogger logger, string prefix, long revision, string reason);
    }
}

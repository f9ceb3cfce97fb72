using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Timonel.Client.Informers;

/// <summary>
/// Keeps a local cache of one collection in step with the API server and tells handlers what changed.
/// </summary>
/// <remarks>
/// Guarantees, as client-go's shared informer:
/// <list type="bullet">
/// <item>It lists (in pages), then watches from the list's resourceVersion with bookmarks. A watch
/// that ends is resumed from the last resourceVersion seen; one that is too old (410) is replaced by
/// a fresh list, diffed against the cache so nothing is lost or delivered twice. Network errors back
/// off (0.8 s doubling to 30 s) and retry.</item>
/// <item>Handlers see the events of one object in order, one at a time, after the cache holds the
/// change. A deletion missed while disconnected is delivered with finalStateUnknown = true.</item>
/// <item>A handler added late first receives every cached object as an add.</item>
/// </list>
/// </remarks>
public sealed class SharedInformer<T> : ISharedInformer
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(800);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly ListWatchClient<T> _listWatch;
    private readonly InformerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _dispatch = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private IInformerEventHandler<T>[] _handlers = [];
    private Task? _run;
    private string _lastResourceVersion = "";
    private bool _disposed;

    public SharedInformer(IKubernetes client, ResourceKind<T> kind, InformerOptions? options = null, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(kind);
        Kind = kind;
        _options = options ?? new InformerOptions();
        _listWatch = new ListWatchClient<T>(client, kind, _options);
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    public ResourceKind<T> Kind { get; }

    /// <summary>The local copy of the watched objects (read-only instances).</summary>
    public ObjectCache<T> Cache { get; } = new();

    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The resourceVersion of the last list, event or bookmark applied.</summary>
    public string LastSyncResourceVersion
    {
        get
        {
            lock (_dispatch)
            {
                return _lastResourceVersion;
            }
        }
    }

    /// <summary>Adds a secondary index to the cache (see <see cref="ObjectCache{T}.AddIndexer"/>).</summary>
    public void AddIndexer(string indexName, Func<T, IEnumerable<string>> indexFunc) => Cache.AddIndexer(indexName, indexFunc);

    /// <summary>Registers a handler; dispose the result to unregister it.</summary>
    public IDisposable AddEventHandler(IInformerEventHandler<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_dispatch)
        {
            _handlers = [.. _handlers, handler];
            foreach (var obj in Cache.List())
            {
                Deliver(handler, h => h.OnAdd(obj, true));
            }
        }

        return new Registration(this, handler);
    }

    /// <summary>Registers delegates as a handler; dispose the result to unregister them.</summary>
    public IDisposable AddEventHandler(Action<T>? onAdd = null, Action<T, T>? onUpdate = null, Action<T>? onDelete = null) =>
        AddEventHandler(new InformerEventHandler<T>(onAdd, onUpdate, onDelete));

    public void Start()
    {
        lock (_dispatch)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _run ??= Task.Run(() => RunAsync(_stop.Token));
        }
    }

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Task? run;
        lock (_dispatch)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            run = _run;
        }

        await _stop.CancelAsync().ConfigureAwait(false);

        if (run is not null)
        {
            await run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var resync = _options.ResyncPeriod is { } period && period > TimeSpan.Zero
            ? new PeriodicTimer(period, _time)
            : null;
        var resyncLoop = resync is null ? Task.CompletedTask : ResyncLoopAsync(resync, cancellationToken);

        var needList = true;
        var backoff = InitialBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAndReplaceAsync(cancellationToken).ConfigureAwait(false);
                    needList = false;
                    backoff = InitialBackoff;
                }

                await WatchAsync(() => backoff = InitialBackoff, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (ApiCallException e) when (e.IsExpired)
            {
                InformerLog.Expired(_logger, Kind.ToString(), LastSyncResourceVersion);
                needList = true;
            }
            catch (Exception e)
            {
                InformerLog.Failed(_logger, Kind.ToString(), backoff, e);
                try
                {
                    await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }

        await resyncLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ListAndReplaceAsync(CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? continueToken = null;
        string resourceVersion;
        try
        {
            do
            {
                var page = await _listWatch.ListAsync(_options.PageSize, continueToken, cancellationToken).ConfigureAwait(false);
                items.AddRange(page.Items);
                resourceVersion = page.ResourceVersion;
                continueToken = page.Continue;
            }
            while (continueToken is not null);
        }
        catch (ApiCallException e) when (e.IsExpired && continueToken is not null)
        {
            // The snapshot behind the continue token was compacted mid-list: take it in one piece.
            var whole = await _listWatch.ListAsync(0, null, cancellationToken).ConfigureAwait(false);
            items = [.. whole.Items];
            resourceVersion = whole.ResourceVersion;
        }

        Replace(items, resourceVersion);
        InformerLog.Listed(_logger, Kind.ToString(), items.Count, resourceVersion);
        _synced.TrySetResult();
    }

    private async Task WatchAsync(Action onProgress, CancellationToken cancellationToken)
    {
        // Spread watch lifetimes over 5-10 minutes, as client-go does, so many clients do not re-watch in step.
        var timeoutSeconds = 300 + Random.Shared.Next(300);
        await foreach (var item in _listWatch.WatchAsync(LastSyncResourceVersion, timeoutSeconds, cancellationToken).ConfigureAwait(false))
        {
            Apply(item);
            onProgress();
        }
    }

    private void Replace(List<T> items, string resourceVersion)
    {
        lock (_dispatch)
        {
            var initial = !HasSynced;
            var listed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                var key = ObjectKeys.KeyOf(item);
                listed.Add(key);
                var old = Cache.Get(key);
                if (old is null)
                {
                    Cache.Upsert(item);
                    Notify(h => h.OnAdd(item, initial));
                }
                else if (old.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
                {
                    Cache.Upsert(item);
                    Notify(h => h.OnUpdate(old, item));
                }
            }

            foreach (var key in Cache.Keys())
            {
                if (!listed.Contains(key) && Cache.Remove(key) is { } gone)
                {
                    Notify(h => h.OnDelete(gone, true));
                }
            }

            _lastResourceVersion = resourceVersion;
        }
    }

    private void Apply(WatchItem<T> item)
    {
        lock (_dispatch)
        {
            switch (item.Type)
            {
                case WatchEventType.Added or WatchEventType.Modified:
                    var obj = item.Object!;
                    var old = Cache.Upsert(obj);
                    if (old is null)
                    {
                        Notify(h => h.OnAdd(obj, false));
                    }
                    else
                    {
                        Notify(h => h.OnUpdate(old, obj));
                    }

                    break;
                case WatchEventType.Deleted:
                    var deleted = item.Object!;
                    Cache.Remove(ObjectKeys.KeyOf(deleted));
                    Notify(h => h.OnDelete(deleted, false));
                    break;
            }

            if (item.ResourceVersion.Length > 0)
            {
                _lastResourceVersion = item.ResourceVersion;
            }
        }
    }

    private async Task ResyncLoopAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            lock (_dispatch)
            {
                foreach (var obj in Cache.List())
                {
                    Notify(h => h.OnUpdate(obj, obj));
                }
            }
        }
    }

    private void Notify(Action<IInformerEventHandler<T>> call)
    {
        foreach (var handler in _handlers)
        {
            Deliver(handler, call);
        }
    }

    private void Deliver(IInformerEventHandler<T> handler, Action<IInformerEventHandler<T>> call)
    {
        try
        {
            call(handler);
        }
        catch (Exception e)
        {
            InformerLog.HandlerFailed(_logger, Kind.ToString(), e);
        }
    }

    private void Remove(IInformerEventHandler<T> handler)
    {
        lock (_dispatch)
        {
            _handlers = [.. _handlers.Where(h => !ReferenceEquals(h, handler))];
        }
    }

    private sealed class Registration(SharedInformer<T> informer, IInformerEventHandler<T> handler) : IDisposable
    {
        public void Dispose() => informer.Remove(handler);
    }
}

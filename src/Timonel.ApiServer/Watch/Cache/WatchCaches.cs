using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Watch.Cache;

/// <summary>
/// One <see cref="WatchCache"/> per resource (per key prefix), started with the server as
/// upstream's are, so that a client resuming a watch from a revision it saw before (on another
/// server, or before a reconnect) finds it in the window; kept until the server stops.
/// </summary>
internal sealed class WatchCaches(ObjectStore objects, WatchCacheOptions options, TimeProvider time, ILogger log) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<WatchCache>> _caches = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> _running = [];
    private readonly CancellationTokenSource _stopping = new();

    public WatchCacheOptions Options => options;

    /// <summary>The watch path's stage timings, for /metrics.</summary>
    public WatchStageMetrics Stages { get; } = new();

    public ObjectStore Objects => objects;

    public WatchCache For(ApiResource resource) => _caches.GetOrAdd(resource.KeyPrefix, prefix => new Lazy<WatchCache>(() => Start(prefix))).Value;

    /// <summary>Starts the caches of <paramref name="resources"/> and waits (bounded) until each has listed.</summary>
    public async Task StartAsync(IEnumerable<ApiResource> resources, CancellationToken cancellationToken)
    {
        var started = resources.Select(For).Distinct().ToList();
        await Task.WhenAll(started.Select(c => c.WaitForRevisionAsync(0, options.FreshnessWait, cancellationToken))).ConfigureAwait(false);
    }

    private WatchCache Start(string prefix)
    {
        var cache = new WatchCache(objects, prefix, options, time, log, Stages);
        _running.Add(Task.Run(() => cache.RunAsync(_stopping.Token), CancellationToken.None));
        return cache;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }
}

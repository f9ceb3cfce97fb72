using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Timonel.Api.Resources;
using Timonel.ApiServer.Registry;

namespace Timonel.ApiServer.Watch.Cache;

/// <summary>
/// One <see cref="WatchCache"/> per resource, started the first time the resource is watched or
/// read from the cache, then kept until the server stops (upstream starts one per resource at
/// start-up; starting on demand spares resources nobody watches their memory).
/// </summary>
internal sealed class WatchCaches(ObjectStore objects, WatchCacheOptions options, TimeProvider time, ILogger log) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<WatchCache>> _caches = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> _running = [];
    private readonly CancellationTokenSource _stopping = new();

    public WatchCacheOptions Options => options;

    public ObjectStore Objects => objects;

    public WatchCache For(ApiResource resource) => _caches.GetOrAdd(resource.KeyPrefix, prefix => new Lazy<WatchCache>(() => Start(prefix))).Value;

    private WatchCache Start(string prefix)
    {
        var cache = new WatchCache(objects, prefix, options, time, log);
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

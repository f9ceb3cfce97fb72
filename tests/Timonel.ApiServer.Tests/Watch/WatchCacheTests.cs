using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Watch;
using Timonel.ApiServer.Watch.Cache;
using Timonel.Registry.Resources;
using Timonel.Storage;
using Xunit;

namespace Timonel.ApiServer.Tests.Watch;

/// <summary>
/// The watch cache's semantics, held against every store backend (derived classes supply the
/// store, as the store contract suite does): one store watch for many client watches, the same
/// bytes for every watcher, replay from the window and 410 past it, slow watchers closed, and
/// reads at resourceVersion 0 or consistent reads served from memory.
/// </summary>
public abstract class WatchCacheTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private static readonly ApiResource ConfigMaps = ResourceCatalog.Default.Find("", "v1", "configmaps")!;

    private CountingStore _store = null!;
    private ObjectStore _objects = null!;
    private WatchCaches? _caches;

    protected abstract Task<IStore> CreateStoreAsync();

    protected virtual Task CleanupAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _store = new CountingStore(await CreateStoreAsync());
        _objects = new ObjectStore(_store);

        // A store that has seen a write, as a server's always has after its bootstrap objects
        // (on an empty one the cache waits for a first write before it starts).
        await _store.CreateAsync("/registry/namespaces/seed", ObjectStore.Encode(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "seed" } }), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_caches is not null)
        {
            await _caches.DisposeAsync();
        }

        await _store.DisposeAsync();
        await CleanupAsync();
    }

    private async Task<WatchCache> StartAsync(WatchCacheOptions? options = null)
    {
        _caches = new WatchCaches(_objects, options ?? new WatchCacheOptions(), TimeProvider.System, NullLogger.Instance);
        var cache = _caches.For(ConfigMaps);
        Assert.True(await cache.WaitForRevisionAsync(0, Timeout, CancellationToken.None), "the cache never listed");
        return cache;
    }

    private CachedReads Reads() => new(_caches!, new ObjectLister(_objects, TimeProvider.System));

    private async Task<long> CreateAsync(string ns, string name, string value = "v", string? app = null)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (app is not null)
        {
            metadata["labels"] = new JsonObject { ["app"] = app };
        }

        var obj = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = metadata, ["data"] = new JsonObject { ["k"] = value } };
        return (await _objects.CreateAsync(ConfigMaps, obj, CancellationToken.None)).ModRevision;
    }

    private static async Task<DecodedEvent> NextAsync(CacheWatcher watcher)
    {
        Assert.True(await watcher.Live.WaitToReadAsync().AsTask().WaitAsync(Timeout), "watch ended");
        Assert.True(watcher.Live.TryRead(out var e));
        return e;
    }

    private static string Name(DecodedEvent e) => (e.Object ?? e.Previous)!["metadata"]!["name"]!.GetValue<string>();

    private static ListOptions Options(string? resourceVersion = null, string? match = null, string? labelSelector = null)
    {
        var query = new Dictionary<string, StringValues>();
        if (resourceVersion is not null)
        {
            query["resourceVersion"] = resourceVersion;
        }

        if (match is not null)
        {
            query["resourceVersionMatch"] = match;
        }

        if (labelSelector is not null)
        {
            query["labelSelector"] = labelSelector;
        }

        return ListOptions.From(ConfigMaps, new QueryCollection(query));
    }

    [Fact]
    public async Task Watch_ManyClientWatches_OpenOneStoreWatch()
    {
        var cache = await StartAsync();
        var start = cache.Revision;
        var watchers = Enumerable.Range(0, 50).Select(i => cache.Watch(ConfigMaps.PrefixFor(i % 2 == 0 ? "a" : null), start)).ToList();

        await CreateAsync("a", "x");

        foreach (var w in watchers)
        {
            Assert.Equal("x", Name(await NextAsync(w)));
        }

        Assert.Equal(1, _store.Watches);
        Assert.Equal(50, cache.WatcherCount);
    }

    [Fact]
    public async Task Watch_OneEvent_EveryWatcherIsHandedTheSameBytes()
    {
        var cache = await StartAsync();
        var first = cache.Watch(ConfigMaps.KeyPrefix, cache.Revision);
        var second = cache.Watch(ConfigMaps.PrefixFor("a"), cache.Revision);

        await CreateAsync("a", "x");
        var a = await NextAsync(first);
        var b = await NextAsync(second);

        Assert.Same(a, b);
        Assert.Same(a.ObjectJson, b.ObjectJson);
        Assert.Contains("\"name\":\"x\"", System.Text.Encoding.UTF8.GetString(a.ObjectJson!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_FromRevisionInsideTheWindow_ReplaysThenFollowsLive()
    {
        var cache = await StartAsync();
        var start = cache.Revision;
        await CreateAsync("a", "one");
        var second = await CreateAsync("b", "two");
        Assert.True(await cache.WaitForRevisionAsync(second, Timeout, CancellationToken.None));

        var all = cache.Watch(ConfigMaps.KeyPrefix, start);
        var onlyA = cache.Watch(ConfigMaps.PrefixFor("a"), start);
        await CreateAsync("a", "three");

        Assert.Equal(["one", "two"], all.Replay.Select(Name));
        Assert.Equal(["one"], onlyA.Replay.Select(Name));
        Assert.Equal("three", Name(await NextAsync(all)));
        Assert.Equal("three", Name(await NextAsync(onlyA)));
        Assert.Equal(1, _store.Watches);
    }

    [Fact]
    public async Task Watch_FromRevisionOlderThanTheWindow_IsTooOld()
    {
        var cache = await StartAsync(new WatchCacheOptions { WindowEvents = 3 });
        var start = cache.Revision;
        var revisions = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            revisions.Add(await CreateAsync("a", $"c{i}"));
        }

        Assert.True(await cache.WaitForRevisionAsync(revisions[^1], Timeout, CancellationToken.None));

        // The window holds the three newest events: a watch after c1 replays them all...
        Assert.Equal(["c2", "c3", "c4"], cache.Watch(ConfigMaps.KeyPrefix, revisions[1]).Replay.Select(Name));

        // ...one from before c1 would miss it: too old (the client lists again).
        var tooOld = Assert.Throws<StoreCompactedException>(() => cache.Watch(ConfigMaps.KeyPrefix, revisions[1] - 1));
        Assert.Equal(revisions[1], tooOld.CompactedRevision);
        Assert.Throws<StoreCompactedException>(() => cache.Watch(ConfigMaps.KeyPrefix, start));
    }

    [Fact]
    public async Task Watch_SlowWatcher_IsClosedWithoutStallingOthers()
    {
        var cache = await StartAsync(new WatchCacheOptions { WatcherBufferEvents = 3 });
        var slow = cache.Watch(ConfigMaps.KeyPrefix, cache.Revision);
        var fast = cache.Watch(ConfigMaps.KeyPrefix, cache.Revision);

        // The fast watcher takes each event as it comes; the slow one reads nothing.
        for (var i = 0; i < 8; i++)
        {
            await CreateAsync("a", $"c{i}");
            Assert.Equal($"c{i}", Name(await NextAsync(fast)));
        }

        Assert.Equal(1, cache.WatcherCount);

        // The slow one gets what fitted in its buffer, then its end (the client watches again).
        var buffered = new List<string>();
        while (slow.Live.TryRead(out var e))
        {
            buffered.Add(Name(e));
        }

        Assert.Equal(["c0", "c1", "c2"], buffered);
        await Assert.ThrowsAsync<StoreWatchLaggedException>(() => slow.Live.Completion.WaitAsync(Timeout));
    }

    [Fact]
    public async Task List_ResourceVersionZero_ServedFromTheCacheWithoutAStoreRead()
    {
        var cache = await StartAsync();
        await CreateAsync("a", "x", app: "web");
        var last = await CreateAsync("a", "y", app: "db");
        Assert.True(await cache.WaitForRevisionAsync(last, Timeout, CancellationToken.None));
        var (ranges, gets) = (_store.Ranges, _store.Gets);

        var list = await Reads().ListAsync(ConfigMaps, "a", Options("0"), CancellationToken.None);
        var notOlder = await Reads().ListAsync(ConfigMaps, "a", Options(last.ToString(System.Globalization.CultureInfo.InvariantCulture), "NotOlderThan"), CancellationToken.None);
        var got = await Reads().GetAsync(ConfigMaps, "a", "y", "0", CancellationToken.None);
        var missing = await Reads().GetAsync(ConfigMaps, "a", "nope", "0", CancellationToken.None);

        Assert.Equal(["x", "y"], list!.Value.Items.Select(Name));
        Assert.True(list.Value.Revision >= last);
        Assert.Equal(["x", "y"], notOlder!.Value.Items.Select(Name));
        Assert.True(got.Served);
        Assert.Equal("y", Name(got.Item!));
        Assert.True(missing.Served);
        Assert.Null(missing.Item);
        Assert.Equal((ranges, gets), (_store.Ranges, _store.Gets));
    }

    [Fact]
    public async Task List_ExactOrPaged_ReadsTheStore()
    {
        var cache = await StartAsync();
        var last = await CreateAsync("a", "x");
        Assert.True(await cache.WaitForRevisionAsync(last, Timeout, CancellationToken.None));
        var rv = last.ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Null(await Reads().ListAsync(ConfigMaps, "a", Options(rv, "Exact"), CancellationToken.None));
        Assert.Null(await Reads().ListAsync(ConfigMaps, "a", Options("0") with { Limit = 1 }, CancellationToken.None));
    }

    [Fact]
    public async Task List_Consistent_SeesAJustAcknowledgedWriteEvenWhenTheWatchIsLate()
    {
        var cache = await StartAsync();
        _store.EventDelay = TimeSpan.FromMilliseconds(300);

        await CreateAsync("a", "x");
        // The store watch has not delivered it yet: a read of the cache as it is would miss it.
        Assert.Empty(cache.Snapshot(ConfigMaps.KeyPrefix).Items);
        var consistent = await Reads().ListAsync(ConfigMaps, "a", Options(), CancellationToken.None);

        Assert.Equal(["x"], consistent!.Value.Items.Select(Name));
    }

    [Fact]
    public async Task List_ConsistentWithSharedDatastore_ReadsTheStore()
    {
        await StartAsync(new WatchCacheOptions { ConsistentReadsFromCache = false });

        Assert.Null(await Reads().ListAsync(ConfigMaps, "a", Options(), CancellationToken.None));
    }

    [Fact]
    public async Task WatchWithState_StartsWithTheObjectsThenFollows()
    {
        var cache = await StartAsync();
        await CreateAsync("a", "x");
        var last = await CreateAsync("b", "y");
        Assert.True(await cache.WaitForRevisionAsync(last, Timeout, CancellationToken.None));

        var (items, watcher) = cache.WatchWithState(ConfigMaps.PrefixFor("a"));
        await CreateAsync("b", "other");
        await CreateAsync("a", "z");

        Assert.Equal(["x"], items.Select(Name));
        Assert.Equal(last, watcher.After);
        Assert.Equal("z", Name(await NextAsync(watcher)));
    }

    [Fact]
    public async Task Watch_StoreWatchBreaks_ResumesFromTheLastRevisionWithoutLosingEvents()
    {
        var cache = await StartAsync(new WatchCacheOptions { RetryDelay = TimeSpan.FromMilliseconds(10) });
        var watcher = cache.Watch(ConfigMaps.KeyPrefix, cache.Revision);
        await CreateAsync("a", "before");
        Assert.Equal("before", Name(await NextAsync(watcher)));

        _store.BreakWatches();
        await CreateAsync("a", "after");

        Assert.Equal("after", Name(await NextAsync(watcher)));
        Assert.Equal(2, _store.Watches);
        Assert.Equal(1, _store.Ranges);
    }
}

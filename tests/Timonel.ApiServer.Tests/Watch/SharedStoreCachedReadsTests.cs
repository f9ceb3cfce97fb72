using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Watch;
using Timonel.ApiServer.Watch.Cache;
using Timonel.Registry.Resources;
using Timonel.Storage;
using Timonel.Storage.Memory;
using Xunit;

namespace Timonel.ApiServer.Tests.Watch;

/// <summary>
/// Consistent reads (no resourceVersion) from the watch cache when other servers write the same
/// store: served once the cache reaches the store's current revision (from events or a progress
/// answer), batched progress requests, the store read when progress never comes or is not offered.
/// </summary>
public sealed class SharedStoreCachedReadsTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private static readonly ApiResource ConfigMaps = ResourceCatalog.Default.Find("", "v1", "configmaps")!;

    private readonly ProgressStore _store = new(new MemoryStore());
    private ObjectStore _objects = null!;
    private WatchCaches? _caches;

    public async Task InitializeAsync()
    {
        _objects = new ObjectStore(_store);
        await _store.CreateAsync("/registry/namespaces/seed", ObjectStore.Encode(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "seed" } }), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_caches is not null)
        {
            await _caches.DisposeAsync();
        }

        await _store.DisposeAsync();
    }

    [Fact]
    public async Task List_IdleResourceBehindTheStore_ServedFromTheCacheWithOneProgressRequest()
    {
        var cache = await StartAsync(_objects);
        await CreateAsync("a", "x");
        var current = await OtherServerWritesElsewhereAsync();
        Assert.True(cache.Revision < current, "the cache must be behind the store for the test to mean anything");
        _store.AnswerDelay = TimeSpan.FromMilliseconds(50);
        var reads = _store.ReadsUnder(ConfigMaps.KeyPrefix);

        var lists = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Reads().ListAsync(ConfigMaps, "a", Options(), CancellationToken.None)));

        Assert.All(lists, l => Assert.Equal(["x"], l!.Value.Items.Select(Name)));
        Assert.All(lists, l => Assert.True(l!.Value.Revision >= current));
        Assert.Equal(reads, _store.ReadsUnder(ConfigMaps.KeyPrefix));
        Assert.InRange(_store.ProgressRequests, 1, 2);
    }

    [Fact]
    public async Task List_ProgressNeverComes_ReadsTheStoreAfterTheWait()
    {
        _store.Silent = true;
        await StartAsync(_objects, TimeSpan.FromMilliseconds(400));
        await CreateAsync("a", "x");
        await OtherServerWritesElsewhereAsync();
        var clock = Stopwatch.StartNew();

        var list = await Reads().ListAsync(ConfigMaps, "a", Options(), CancellationToken.None);

        Assert.Null(list);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(350), $"gave up after {clock.Elapsed}");
        // Asked, and again at most every 100 ms while it waited: not in a spin. (A loaded machine
        // may wake the reader late, so "again" is not asserted.)
        var most = (int)(clock.Elapsed.TotalMilliseconds / 100) + 2;
        Assert.True(_store.ProgressRequests >= 1 && _store.ProgressRequests <= most, $"{_store.ProgressRequests} requests in {clock.Elapsed}");
    }

    [Fact]
    public async Task List_StoreWithoutProgress_ReadsTheStore()
    {
        var cache = await StartAsync(new ObjectStore(new CountingStore(_store)));
        await CreateAsync("a", "x");
        await OtherServerWritesElsewhereAsync();

        Assert.False(cache.ReportsProgress);
        Assert.Null(await Reads().ListAsync(ConfigMaps, "a", Options(), CancellationToken.None));
    }

    [Fact]
    public async Task Get_WithoutResourceVersion_ServedFromTheCacheOnlyOnASharedStore()
    {
        await StartAsync(_objects);
        await CreateAsync("a", "x");
        await OtherServerWritesElsewhereAsync();
        var reads = _store.ReadsUnder(ConfigMaps.KeyPrefix);

        var shared = await Reads().GetAsync(ConfigMaps, "a", "x", null, CancellationToken.None);
        var missing = await Reads().GetAsync(ConfigMaps, "a", "nope", null, CancellationToken.None);
        await using var singleServer = new WatchCaches(_objects, new WatchCacheOptions(), TimeProvider.System, NullLogger.Instance);
        var single = await new CachedReads(singleServer, new ObjectLister(_objects, TimeProvider.System)).GetAsync(ConfigMaps, "a", "x", null, CancellationToken.None);

        Assert.True(shared.Served);
        Assert.Equal("x", Name(shared.Item!));
        Assert.True(missing.Served);
        Assert.Null(missing.Item);
        Assert.Equal(reads, _store.ReadsUnder(ConfigMaps.KeyPrefix));
        Assert.False(single.Served);
    }

    private async Task<WatchCache> StartAsync(ObjectStore objects, TimeSpan? freshnessWait = null)
    {
        _caches = new WatchCaches(objects, new WatchCacheOptions { SharedDatastore = true, FreshnessWait = freshnessWait ?? TimeSpan.FromSeconds(3) }, TimeProvider.System, NullLogger.Instance);
        var cache = _caches.For(ConfigMaps);
        Assert.True(await cache.WaitForRevisionAsync(0, Timeout, CancellationToken.None), "the cache never listed");
        return cache;
    }

    private CachedReads Reads() => new(_caches!, new ObjectLister(_objects, TimeProvider.System));

    private async Task CreateAsync(string ns, string name)
    {
        var obj = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns }, ["data"] = new JsonObject { ["k"] = "v" } };
        var written = await _objects.CreateAsync(ConfigMaps, obj, CancellationToken.None);
        Assert.True(await _caches!.For(ConfigMaps).WaitForRevisionAsync(written.ModRevision, Timeout, CancellationToken.None));
    }

    // A write under another prefix, as another server's: the store's revision moves on, the
    // configmaps cache sees no event and must ask for progress. Returns the store's revision.
    private async Task<long> OtherServerWritesElsewhereAsync()
    {
        await _store.CreateAsync("/registry/secrets/a/elsewhere", ObjectStore.Encode(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = new JsonObject { ["name"] = "elsewhere", ["namespace"] = "a" } }), CancellationToken.None);
        return await _store.GetCurrentRevisionAsync(CancellationToken.None);
    }

    private static string Name(DecodedEvent e) => (e.Object ?? e.Previous)!["metadata"]!["name"]!.GetValue<string>();

    private static ListOptions Options() => ListOptions.From(ConfigMaps, new QueryCollection(new Dictionary<string, StringValues>()));
}

using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Storage;
using Timonel.Storage.Memory;
using Xunit;

namespace Timonel.ApiServer.Tests.Registry;

public sealed class WatchedObjectsTests : IAsyncLifetime
{
    private static readonly ApiResource Namespaces = ResourceCatalog.Default.Find("", "v1", "namespaces")!;

    private readonly SlowWatchStore _store = new(new MemoryStore());
    private readonly CancellationTokenSource _stop = new();
    private ObjectStore _objects = null!;
    private WatchedObjects _cache = null!;
    private Task _running = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _objects = new ObjectStore(_store);
        await _objects.CreateAsync(Namespaces, Namespace("a", "Active"), CancellationToken.None);
        _cache = new WatchedObjects(_objects, Namespaces, NullLogger.Instance);
        _running = _cache.RunAsync(_stop.Token);
        await WaitAsync(() => Task.FromResult(_cache.AppliedRevision >= 0));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
        await _store.DisposeAsync();
    }

    [Fact]
    public async Task GetAsync_ChangeMadeBehindTheServersBack_ServedFromTheCacheUntilTheWatchDeliversIt()
    {
        var stored = await _store.GetAsync(Namespaces.KeyFor(null, "a"), CancellationToken.None);
        await _store.UpdateAsync(stored!.Key, ObjectStore.Encode(Namespace("a", "Terminating")), 0, CancellationToken.None);

        // The watch delivers late: the cache still has the old object (so it really serves from memory).
        Assert.Equal("Active", Phase(await _cache.GetAsync(null, "a", CancellationToken.None)));

        await WaitAsync(async () => Phase(await _cache.GetAsync(null, "a", CancellationToken.None)) == "Terminating");
    }

    [Fact]
    public async Task GetAsync_AfterThisServersOwnWrite_SeesTheWriteBeforeTheWatchDoes()
    {
        var current = (await _objects.GetAsync(Namespaces, null, "a", CancellationToken.None))!;
        await _objects.UpdateAsync(Namespaces, Namespace("a", "Terminating"), current.ModRevision, CancellationToken.None);

        Assert.Equal("Terminating", Phase(await _cache.GetAsync(null, "a", CancellationToken.None)));
    }

    [Fact]
    public async Task GetAsync_CreatedOrDeletedByThisServer_SeenAtOnce()
    {
        await _objects.CreateAsync(Namespaces, Namespace("b", "Active"), CancellationToken.None);
        Assert.Equal("Active", Phase(await _cache.GetAsync(null, "b", CancellationToken.None)));

        await _objects.DeleteAsync(Namespaces, null, "a", 0, CancellationToken.None);
        Assert.Null(await _cache.GetAsync(null, "a", CancellationToken.None));
    }

    [Fact]
    public async Task GetAsync_UnknownName_ReadLive()
    {
        // Created behind the cache's back: not in memory yet, found by the live read.
        await _store.CreateAsync(Namespaces.KeyFor(null, "c"), ObjectStore.Encode(Namespace("c", "Active")), CancellationToken.None);

        Assert.Equal("Active", Phase(await _cache.GetAsync(null, "c", CancellationToken.None)));
        Assert.Null(await _cache.GetAsync(null, "missing", CancellationToken.None));
    }

    [Fact]
    public async Task GetAsync_WatchFails_StopsTrustingTheCacheAndReadsLive()
    {
        var limitRanges = ResourceCatalog.Default.Find("", "v1", "limitranges")!;
        _store.Broken = true;
        var cache = new WatchedObjects(_objects, Namespaces, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = cache.RunAsync(stop.Token);
        await WaitAsync(() => Task.FromResult(cache.AppliedRevision == -1));

        // Between tries (a second apart) nothing is served from memory.
        var stored = await _store.GetAsync(Namespaces.KeyFor(null, "a"), CancellationToken.None);
        await _store.UpdateAsync(stored!.Key, ObjectStore.Encode(Namespace("a", "Terminating")), 0, CancellationToken.None);
        Assert.Equal("Terminating", Phase(await cache.GetAsync(null, "a", CancellationToken.None)));
        Assert.False(new WatchedObjects(_objects, limitRanges, NullLogger.Instance).NoneIn("a"));

        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task NoneIn_CountsObjectsPerNamespace_AndSeesThisServersWritesAtOnce()
    {
        var limitRanges = ResourceCatalog.Default.Find("", "v1", "limitranges")!;
        var cache = new WatchedObjects(_objects, limitRanges, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = cache.RunAsync(stop.Token);
        await WaitAsync(() => Task.FromResult(cache.AppliedRevision >= 0));
        Assert.True(cache.NoneIn("a"));

        // Behind the server's back: the cache still says none until the late watch delivers it.
        await _store.CreateAsync(limitRanges.KeyFor("a", "x"), ObjectStore.Encode(LimitRange("a", "x")), CancellationToken.None);
        Assert.True(cache.NoneIn("a"));
        await WaitAsync(() => Task.FromResult(!cache.NoneIn("a")));
        Assert.True(cache.NoneIn("b"));

        // Through this server: known at once, and "none" again only once the delete is seen.
        await _objects.CreateAsync(limitRanges, LimitRange("b", "y"), CancellationToken.None);
        Assert.False(cache.NoneIn("b"));
        await _objects.DeleteAsync(limitRanges, "b", "y", 0, CancellationToken.None);
        await _objects.DeleteAsync(limitRanges, "a", "x", 0, CancellationToken.None);
        Assert.False(cache.NoneIn("a"));
        await WaitAsync(() => Task.FromResult(cache.NoneIn("a") && cache.NoneIn("b")));

        await stop.CancelAsync();
        await running;
    }

    private static JsonObject LimitRange(string ns, string name) =>
        new() { ["apiVersion"] = "v1", ["kind"] = "LimitRange", ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns }, ["spec"] = new JsonObject() };

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(20);
        }
    }

    private static string? Phase(JsonObject? ns) => ns?["status"]?["phase"]?.GetValue<string>();

    private static JsonObject Namespace(string name, string phase) =>
        new() { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name }, ["status"] = new JsonObject { ["phase"] = phase } };

    /// <summary>A store whose watch delivers every event 300 ms late, or fails when <see cref="Broken"/>.</summary>
    private sealed class SlowWatchStore(IStore inner) : DelegatingStore(inner)
    {
        public bool Broken { get; set; }

        public override async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            if (Broken)
            {
                await Task.Yield();
                throw new IOException("the watch broke");
            }

            await foreach (var e in Inner.WatchAsync(prefix, afterRevision, cancellationToken))
            {
                await Task.Delay(300, cancellationToken);
                yield return e;
            }
        }
    }
}

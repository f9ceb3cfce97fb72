using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer.Tests.Api;
using Timonel.Storage;
using Timonel.Storage.Memory;
using Xunit;

namespace Timonel.ApiServer.Tests.Watch;

/// <summary>The watch cache through the HTTP surface: client watches share the store watch; --watch-cache=false opens one each.</summary>
public sealed class WatchCacheHttpTests
{
    private const string Path = "/api/v1/namespaces/default/configmaps";

    [Theory]
    [InlineData(true, 0)]
    [InlineData(false, 20)]
    public async Task Watch_TwentyClientWatches_OpenStoreWatchesOnlyWithoutTheCache(bool watchCache, int expectedStoreWatches)
    {
        var store = new CountingStore(new MemoryStore());
        var dataDir = Directory.CreateTempSubdirectory("timonel-api-").FullName;
        await using var host = await ApiServerHost.StartAsync(
            new ApiServerOptions { DataDir = dataDir, Port = FreePort(), WatchCache = watchCache, KubeletDialFilter = IPAddress.IsLoopback },
            _ => Task.FromResult<IStore>(store),
            NullLoggerFactory.Instance,
            CancellationToken.None);
        using var client = new ApiClient(host.Url, host.Pki.ServerCaPem, host.Pki.AdminToken);
        var rv = (await client.GetAsync(Path)).ResourceVersion;
        var before = store.Watches;

        var watches = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.WatchAsync($"{Path}?watch=true&resourceVersion={rv}", CancellationToken.None)));
        try
        {
            Assert.Equal(201, (await client.PostAsync(Path, TestObjects.ConfigMap("fanout"))).Code);
            foreach (var watch in watches)
            {
                var e = await watch.NextAsync(TimeSpan.FromSeconds(15));
                Assert.Equal("fanout", ApiResponse.Str(e!["object"]!["metadata"]!["name"]));
            }

            Assert.Equal(expectedStoreWatches, store.Watches - before);
        }
        finally
        {
            foreach (var watch in watches)
            {
                await watch.DisposeAsync();
            }

            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Bookmarks from the watch cache, on a clock the test moves.</summary>
public sealed class WatchCacheBookmarkTests(FakeClockApiServerFixture fx) : IClassFixture<FakeClockApiServerFixture>
{
    private static string ConfigMaps(string ns) => $"/api/v1/namespaces/{ns}/configmaps";

    [Fact]
    public async Task Watch_IdleWithBookmarks_BookmarkCarriesTheCachesRevision()
    {
        var watched = await fx.NamespaceAsync("quiet");
        var busy = await fx.NamespaceAsync("busy");
        var rv = (await fx.Client.GetAsync(ConfigMaps(watched))).ResourceVersion;
        await using var watch = await fx.Client.WatchAsync($"{ConfigMaps(watched)}?watch=true&allowWatchBookmarks=true&resourceVersion={rv}", CancellationToken.None);

        // A change the watcher does not see (another namespace) still moves the cache on.
        var other = await fx.Client.PostAsync(ConfigMaps(busy), TestObjects.ConfigMap("elsewhere"));
        Assert.Equal(201, other.Code);
        var otherRv = long.Parse(ApiResponse.Str(other.Object["metadata"]!["resourceVersion"])!, System.Globalization.CultureInfo.InvariantCulture);
        // A list without resourceVersion is served once the cache has this server's writes: the event has been dispatched.
        Assert.Equal(200, (await fx.Client.GetAsync(ConfigMaps(busy))).Code);
        fx.Clock.Advance(TimeSpan.FromSeconds(61));
        var bookmark = await watch.NextAsync(TimeSpan.FromSeconds(15));

        Assert.Equal("BOOKMARK", ApiResponse.Str(bookmark!["type"]));
        Assert.Equal("ConfigMap", ApiResponse.Str(bookmark["object"]!["kind"]));
        Assert.True(long.Parse(ApiResponse.Str(bookmark["object"]!["metadata"]!["resourceVersion"])!, System.Globalization.CultureInfo.InvariantCulture) >= otherRv);
    }
}

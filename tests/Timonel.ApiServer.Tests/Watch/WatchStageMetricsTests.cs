using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer.Tests.Api;
using Timonel.Storage;
using Timonel.Storage.Sqlite;
using Xunit;

namespace Timonel.ApiServer.Tests.Watch;

/// <summary>
/// The watch path's stage histogram on /metrics (what `bench api` reads to split a watch
/// event's delay into the server's part and the rest): on the embedded store every event a
/// watcher gets counts in "cached" and "serialized" (once per event) and in "flushed" (once per watcher).
/// </summary>
public sealed class WatchStageMetricsTests
{
    private const string Path = "/api/v1/namespaces/default/configmaps";

    [Fact]
    public async Task Metrics_EventsDeliveredToWatchers_CountedPerStage()
    {
        var dataDir = Directory.CreateTempSubdirectory("timonel-api-").FullName;
        try
        {
            await using var host = await ApiServerHost.StartAsync(
                new ApiServerOptions { DataDir = dataDir, Port = FreePort(), KubeletDialFilter = IPAddress.IsLoopback },
                async ct => await SqliteStore.OpenAsync(System.IO.Path.Combine(dataDir, "store.db"), new SqliteStoreOptions { CompactionInterval = TimeSpan.Zero }, null, null, ct),
                NullLoggerFactory.Instance,
                CancellationToken.None);
            using var client = new ApiClient(host.Url, host.Pki.ServerCaPem, host.Pki.AdminToken);
            var rv = (await client.GetAsync(Path)).ResourceVersion;
            var before = Counts(await client.GetAsync("/metrics"));

            var watches = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => client.WatchAsync($"{Path}?watch=true&resourceVersion={rv}", CancellationToken.None)));
            try
            {
                for (var i = 0; i < 2; i++)
                {
                    Assert.Equal(201, (await client.PostAsync(Path, TestObjects.ConfigMap($"staged-{i}"))).Code);
                }

                foreach (var watch in watches)
                {
                    for (var i = 0; i < 2; i++)
                    {
                        var e = await watch.NextAsync(TimeSpan.FromSeconds(15));
                        Assert.Equal($"staged-{i}", ApiResponse.Str(e!["object"]!["metadata"]!["name"]));
                    }
                }
            }
            finally
            {
                foreach (var watch in watches)
                {
                    await watch.DisposeAsync();
                }
            }

            // The flush is recorded just after the bytes went out: poll briefly for the last watcher's.
            var after = Counts(await client.GetAsync("/metrics"));
            for (var tries = 0; tries < 50 && after.GetValueOrDefault("flushed") - before.GetValueOrDefault("flushed") < 6; tries++)
            {
                await Task.Delay(100);
                after = Counts(await client.GetAsync("/metrics"));
            }

            // At least ours: the server's own writes to other resources are timed as well.
            Assert.True(after.GetValueOrDefault("flushed") - before.GetValueOrDefault("flushed") >= 6, "not every watcher's flush of the two events was timed");
            Assert.True(after.GetValueOrDefault("cached") - before.GetValueOrDefault("cached") >= 2, "the configmaps' commits were not timed into the cache");
            Assert.True(after.GetValueOrDefault("serialized") - before.GetValueOrDefault("serialized") >= 2, "the events' serialization was not timed");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    // stage → sample count, from timonel_watch_event_stage_seconds_count{stage="..."} N.
    private static Dictionary<string, long> Counts(ApiResponse metrics)
    {
        Assert.Equal(200, metrics.Code);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in metrics.Text.Split('\n'))
        {
            const string Prefix = "timonel_watch_event_stage_seconds_count{stage=\"";
            if (line.StartsWith(Prefix, StringComparison.Ordinal))
            {
                var stage = line[Prefix.Length..line.IndexOf('"', Prefix.Length)];
                counts[stage] = long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        Assert.Contains("flushed", counts.Keys);
        return counts;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

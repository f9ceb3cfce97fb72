using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer.Tests.Api;
using Timonel.Storage;
using Timonel.Storage.Memory;
using Xunit;

namespace Timonel.ApiServer.Tests.Watch;

/// <summary>Lists and watches of autoscaling/v1 HorizontalPodAutoscalers, with the watch cache (per-version shared bytes) and without it.</summary>
public sealed class HorizontalPodAutoscalerV1WatchTests
{
    private const string Ns = "default";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ListAndWatchV1_ObjectsStoredInV2_ComeInV1WhileV2WatchersSeeV2(bool watchCache)
    {
        var dataDir = Directory.CreateTempSubdirectory("timonel-api-").FullName;
        try
        {
            await using var host = await ApiServerHost.StartAsync(
                new ApiServerOptions { DataDir = dataDir, Port = FreePort(), WatchCache = watchCache, KubeletDialFilter = IPAddress.IsLoopback },
                _ => Task.FromResult<IStore>(new MemoryStore()),
                NullLoggerFactory.Instance,
                CancellationToken.None);
            using var client = new ApiClient(host.Url, host.Pki.ServerCaPem, host.Pki.AdminToken);
            var v1Path = HorizontalPodAutoscalerV1Tests.V1Path(Ns);
            var v2Path = HorizontalPodAutoscalerV1Tests.V2Path(Ns);
            ApiAssert.Code(201, await client.PostAsync(v2Path, HorizontalPodAutoscalerV1Tests.V2Hpa("first")));

            var list = await client.GetAsync(v1Path);
            var listAtZero = await client.GetAsync($"{v1Path}?resourceVersion=0");
            var getAtZero = await client.GetAsync($"{v1Path}/first?resourceVersion=0");
            await using var v1Watch = await client.WatchAsync($"{v1Path}?watch=true&resourceVersion={list.ResourceVersion}", CancellationToken.None);
            await using var v2Watch = await client.WatchAsync($"{v2Path}?watch=true&resourceVersion={list.ResourceVersion}", CancellationToken.None);
            await using var initial = await client.WatchAsync($"{v1Path}?watch=true", CancellationToken.None);
            ApiAssert.Code(201, await client.PostAsync(v2Path, HorizontalPodAutoscalerV1Tests.V2Hpa("second")));
            ApiAssert.Code(200, await client.DeleteAsync($"{v2Path}/second"));

            foreach (var response in new[] { list, listAtZero })
            {
                ApiAssert.Code(200, response);
                Assert.Equal("autoscaling/v1", ApiResponse.Str(response.Object["apiVersion"]));
                Assert.Equal("HorizontalPodAutoscalerList", response.Kind);
                var item = Assert.Single(response.Object["items"]!.AsArray())!;
                Assert.Equal("autoscaling/v1", ApiResponse.Str(item["apiVersion"]));
                Assert.Equal(50, (int?)item["spec"]!["targetCPUUtilizationPercentage"]);
            }

            ApiAssert.Code(200, getAtZero);
            Assert.Equal("autoscaling/v1", ApiResponse.Str(getAtZero.Object["apiVersion"]));
            Assert.Equal(50, (int?)getAtZero.Object["spec"]!["targetCPUUtilizationPercentage"]);

            var first = await initial.NextAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(("ADDED", "first", "autoscaling/v1"), Event(first!));
            foreach (var (watch, version) in new[] { (v1Watch, "autoscaling/v1"), (v2Watch, "autoscaling/v2") })
            {
                var added = await watch.NextAsync(TimeSpan.FromSeconds(15));
                var deleted = await watch.NextAsync(TimeSpan.FromSeconds(15));
                Assert.Equal(("ADDED", "second", version), Event(added!));
                Assert.Equal(("DELETED", "second", version), Event(deleted!));
                if (version == "autoscaling/v1")
                {
                    Assert.Equal(50, (int?)added!["object"]!["spec"]!["targetCPUUtilizationPercentage"]);
                    Assert.Equal(50, (int?)deleted!["object"]!["spec"]!["targetCPUUtilizationPercentage"]);
                }
                else
                {
                    Assert.Equal(3, added!["object"]!["spec"]!["metrics"]!.AsArray().Count);
                }
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static (string?, string?, string?) Event(System.Text.Json.Nodes.JsonObject e) =>
        (ApiResponse.Str(e["type"]), ApiResponse.Str(e["object"]!["metadata"]!["name"]), ApiResponse.Str(e["object"]!["apiVersion"]));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

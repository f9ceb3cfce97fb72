using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer.Tests.Api;
using Timonel.Storage;
using Timonel.Storage.Sqlite;
using Xunit;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>A restarted server on the same data dir serves its stored CRDs before it reports ready.</summary>
public sealed class CustomResourceRestartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-crd-restart-").FullName;

    [Fact]
    public async Task Restart_SameDataDir_CustomResourcesServedAtOnce()
    {
        const string group = "restart.example.com";
        await using (var first = await StartAsync())
        {
            using var client = new ApiClient(first.Url, first.Pki.ServerCaPem, first.Pki.AdminToken);
            await Crds.EstablishAsync(client, Crds.Crd(group, "widgets", "Widget", "Cluster"));
            ApiAssert.Code(201, await client.PostAsync($"/apis/{group}/v1/widgets", Crds.Widget(group, "survivor")));
        }

        await using var second = await StartAsync();
        using var again = new ApiClient(second.Url, second.Pki.ServerCaPem, second.Pki.AdminToken);

        // No waiting: StartAsync returned, so the CRD must already be served.
        var got = await again.GetAsync($"/apis/{group}/v1/widgets/survivor");
        ApiAssert.Code(200, got);
        Assert.Equal(3, (int?)got.Object["spec"]!["size"]);
        var discovery = await again.GetAsync($"/apis/{group}/v1");
        Assert.Contains("\"widgets\"", discovery.Text, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<ApiServerHost> StartAsync() =>
        await ApiServerHost.StartAsync(
            new ApiServerOptions { DataDir = _dir, Port = FreePort(), KubeletDialFilter = IPAddress.IsLoopback },
            async ct => await SqliteStore.OpenAsync(Path.Combine(_dir, "store.db"), new SqliteStoreOptions(), null, null, ct),
            NullLoggerFactory.Instance,
            CancellationToken.None);

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer.Tests.Api;
using Timonel.Storage;
using Timonel.Storage.Etcd;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Watch;

/// <summary>
/// Two API servers on one etcd (and a third whose store never answers progress requests): reads
/// without resourceVersion on one server see what the other just wrote, and come from the watch
/// cache, not from etcd.
/// </summary>
public sealed class SharedEtcdConsistentReadTests : IAsyncLifetime
{
    private const string ConfigMapPrefix = "/registry/configmaps/";
    private const string Path = "/api/v1/namespaces/default/configmaps";

    private readonly List<(ApiServerHost Host, ApiClient Client, ProgressStore Store, string Dir)> _servers = [];
    private EtcdProcess _etcd = null!;

    private ApiClient A => _servers[0].Client;

    private ApiClient B => _servers[1].Client;

    private ProgressStore BStore => _servers[1].Store;

    public async Task InitializeAsync()
    {
        _etcd = await EtcdProcess.StartAsync();
        var token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        // Started together with one token, as ServerGroup does: the shared bootstrap must not race.
        var started = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => StartServerAsync(token, silent: i == 2)));
        _servers.AddRange(started);
    }

    public async Task DisposeAsync()
    {
        foreach (var (host, client, _, dir) in _servers)
        {
            client.Dispose();
            await host.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }

        await _etcd.DisposeAsync();
    }

    [Fact]
    public async Task GetAndList_WrittenThroughA_SeenOnBWithoutResourceVersion()
    {
        var reads = BStore.ReadsUnder(ConfigMapPrefix);
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(201, (await A.PostAsync(Path, TestObjects.ConfigMap($"ryw-{i}", value: $"v{i}"))).Code);

            var got = await B.GetAsync($"{Path}/ryw-{i}");
            var list = await B.GetAsync(Path);

            Assert.Equal(200, got.Code);
            Assert.Equal($"v{i}", ApiResponse.Str(got.Object["data"]!["key"]));
            Assert.Contains($"ryw-{i}", Names(list));
        }

        // Served by B's watch cache: B read no configmap from etcd.
        Assert.Equal(reads, BStore.ReadsUnder(ConfigMapPrefix));
    }

    [Fact]
    public async Task List_IdleResourceAfterWritesElsewhere_ServedFromTheCache()
    {
        Assert.Equal(201, (await A.PostAsync(Path, TestObjects.ConfigMap("idle"))).Code);
        Assert.Contains("idle", Names(await B.GetAsync(Path)));
        var reads = BStore.ReadsUnder(ConfigMapPrefix);

        for (var i = 0; i < 10; i++)
        {
            // A write to another resource moves etcd's revision past B's configmap cache, which
            // sees no event: only a progress answer brings it there.
            Assert.Equal(201, (await A.PostAsync("/api/v1/namespaces/default/secrets", Secret($"elsewhere-{i}"))).Code);
            Assert.Equal(["idle"], Names(await B.GetAsync(Path)));
        }

        Assert.Equal(reads, BStore.ReadsUnder(ConfigMapPrefix));
    }

    [Fact]
    public async Task List_ProgressNeverComes_ReadsEtcdAfterTheWait()
    {
        var c = _servers[2];
        Assert.Equal(201, (await A.PostAsync(Path, TestObjects.ConfigMap("fallback"))).Code);
        // Then another resource: C's configmap cache, behind etcd's revision, needs progress.
        Assert.Equal(201, (await A.PostAsync("/api/v1/namespaces/default/secrets", Secret("after-fallback"))).Code);
        var reads = c.Store.ReadsUnder(ConfigMapPrefix);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var list = await c.Client.GetAsync(Path);

        Assert.Contains("fallback", Names(list));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2.5), $"answered after {clock.Elapsed}: not from the fallback");
        // The counter that stays still on B moves here: this list read etcd.
        Assert.True(c.Store.ReadsUnder(ConfigMapPrefix) > reads);
    }

    private async Task<(ApiServerHost, ApiClient, ProgressStore, string)> StartServerAsync(string token, bool silent)
    {
        var dir = Directory.CreateTempSubdirectory("timonel-progress-").FullName;
        // Each server its own connection (the host disposes it), as separate processes would have.
        // The machine's etcd (3.4.23) predates ordered progress answers (EtcdVersions): trusted
        // here to exercise the cache path, as a fixed etcd would be without the option.
        var etcd = await EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = EtcdStoreOptions.ParseEndpoints(_etcd.EndpointList), CompactionInterval = TimeSpan.Zero, TrustOldEtcdProgress = true }, null, CancellationToken.None);
        var store = new ProgressStore(etcd) { Silent = silent };
        var host = await ApiServerHost.StartAsync(
            new ApiServerOptions { DataDir = dir, Port = FreePort(), JoinToken = token, DatastoreEndpoint = _etcd.EndpointList, KubeletDialFilter = IPAddress.IsLoopback },
            _ => Task.FromResult<IStore>(store),
            NullLoggerFactory.Instance,
            CancellationToken.None);
        return (host, new ApiClient(host.Url, host.Pki.ServerCaPem, host.Pki.AdminToken), store, dir);
    }

    private static List<string?> Names(ApiResponse list) =>
        list.Object["items"]!.AsArray().Select(i => ApiResponse.Str(i!["metadata"]!["name"])).ToList();

    private static System.Text.Json.Nodes.JsonObject Secret(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = name },
        ["stringData"] = new System.Text.Json.Nodes.JsonObject { ["k"] = "v" },
    };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

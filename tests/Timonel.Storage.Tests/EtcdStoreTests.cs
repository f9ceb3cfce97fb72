using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Timonel.Storage.Etcd;
using Timonel.Testing;
using Xunit;

namespace Timonel.Storage.Tests;

/// <summary>What only the etcd backend has: unreachable members, failover, restarts under a watch.</summary>
public sealed class EtcdStoreTests
{
    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public async Task Open_NothingListening_ThrowsStoreUnavailableFastNamingTheEndpoint()
    {
        var endpoint = $"http://127.0.0.1:{UnusedPort()}";
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() =>
            EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = EtcdStoreOptions.ParseEndpoints(endpoint) }, null, Ct));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains(endpoint, error.Message, StringComparison.Ordinal);
        Assert.Contains("not reachable", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ftp://127.0.0.1:2379")]
    [InlineData("http://127.0.0.1:2379/path")]
    [InlineData(" , ")]
    public void ParseEndpoints_BadInput_ThrowsArgumentException(string endpoints) =>
        Assert.Throws<ArgumentException>(() => EtcdStoreOptions.ParseEndpoints(endpoints));

    [Fact]
    public void ParseEndpoints_ListAndBareHost_ParsesEachAsHttp()
    {
        var parsed = EtcdStoreOptions.ParseEndpoints("http://127.0.0.1:2379, 127.0.0.1:2380,https://[::1]:2381");

        Assert.Equal(["http://127.0.0.1:2379/", "http://127.0.0.1:2380/", "https://[::1]:2381/"], parsed.Select(u => u.ToString()));
    }

    [Fact]
    public async Task Open_MissingTlsFile_ThrowsArgumentException()
    {
        var options = new EtcdStoreOptions { Endpoints = EtcdStoreOptions.ParseEndpoints("https://127.0.0.1:2379"), CaFile = "/nonexistent/ca.crt" };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => EtcdStore.OpenAsync(options, null, Ct));

        Assert.Contains("/nonexistent/ca.crt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_EtcdKilled_ThrowStoreUnavailableThenRecoverAfterRestart()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        await using var store = await EtcdStore.OpenAsync(EtcdTestOptions.For(etcd), null, Ct);
        await store.CreateAsync("/k", Bytes("v"), Ct);

        await etcd.KillAsync(0);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetAsync("/k", Ct));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetCurrentRevisionAsync(Ct));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.CreateAsync("/k2", Bytes("v"), Ct));

        await etcd.RestartAsync(0);
        Assert.Equal("v", Text(await store.GetAsync("/k", Ct)));
        Assert.True((await store.CreateAsync("/k2", Bytes("v"), Ct)).Succeeded);
    }

    [Fact]
    public async Task Watch_EtcdRestarted_ResumesWithoutGapOrDuplicate()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        await using var store = await EtcdStore.OpenAsync(EtcdTestOptions.For(etcd), null, Ct);
        var start = await store.GetCurrentRevisionAsync(Ct);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var events = store.WatchAsync("/w/", start, cts.Token).GetAsyncEnumerator(cts.Token);
        var written = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            written.Add((await store.CreateAsync($"/w/a{i}", Bytes("x"), Ct)).Revision);
        }

        var seen = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await events.MoveNextAsync());
            seen.Add(events.Current.Revision);
        }

        await etcd.KillAsync(0);
        await etcd.RestartAsync(0);
        for (var i = 0; i < 5; i++)
        {
            written.Add((await store.CreateAsync($"/w/b{i}", Bytes("x"), Ct)).Revision);
        }

        while (seen.Count < written.Count)
        {
            Assert.True(await events.MoveNextAsync());
            seen.Add(events.Current.Revision);
        }

        Assert.Equal(written, seen);
    }

    [Fact]
    public async Task Calls_FirstEndpointDead_FailOverToTheNext()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        var dead = $"http://127.0.0.1:{UnusedPort()}";
        var options = new EtcdStoreOptions { Endpoints = EtcdStoreOptions.ParseEndpoints(dead + "," + etcd.EndpointList), CompactionInterval = TimeSpan.Zero };

        await using var store = await EtcdStore.OpenAsync(options, null, Ct);
        var created = await store.CreateAsync("/k", Bytes("v"), Ct);

        Assert.True(created.Succeeded);
        Assert.Equal("v", Text(await store.GetAsync("/k", Ct)));
    }

    [Fact]
    public async Task ThreeMembers_CurrentMemberKilled_WritesAndWatchContinueOnOthers()
    {
        await using var etcd = await EtcdProcess.StartAsync(members: 3);
        await using var store = await EtcdStore.OpenAsync(EtcdTestOptions.For(etcd), null, Ct);
        var start = await store.GetCurrentRevisionAsync(Ct);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var events = store.WatchAsync("/f/", start, cts.Token).GetAsyncEnumerator(cts.Token);
        var written = new List<long> { (await store.CreateAsync("/f/0", Bytes("x"), Ct)).Revision };

        await etcd.KillAsync(0);
        for (var i = 1; i < 10; i++)
        {
            written.Add(await CreateThroughElectionAsync(store, $"/f/{i}"));
        }

        var seen = new List<long>();
        while (seen.Count < written.Count)
        {
            Assert.True(await events.MoveNextAsync());
            seen.Add(events.Current.Revision);
        }

        Assert.Equal(written, seen);
        Assert.Equal(10, (await store.RangeAsync(new RangeRequest("/f/"), Ct)).Count);
    }

    [Fact]
    public async Task Keys_WrittenThroughStore_AreEtcdKeysVisibleToEtcdctl()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        await using var store = await EtcdStore.OpenAsync(EtcdTestOptions.For(etcd), null, Ct);
        var created = await store.CreateAsync("/registry/configmaps/default/one", Bytes("{}"), Ct);

        var output = await EtcdctlAsync(etcd, "get", "--prefix", "/registry/configmaps/", "--keys-only");

        Assert.Contains("/registry/configmaps/default/one", output, StringComparison.Ordinal);
        Assert.Equal(created.Revision, (await store.GetAsync("/registry/configmaps/default/one", Ct))!.ModRevision);
    }

    /// <summary>
    /// Creates a key while the cluster may be electing a leader: a write that timed out may or
    /// may not have been applied, so it is looked up before it is tried again, as a client would.
    /// </summary>
    private static async Task<long> CreateThroughElectionAsync(EtcdStore store, string key)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                var existing = await store.GetAsync(key, Ct);
                if (existing is not null)
                {
                    return existing.ModRevision;
                }

                var created = await store.CreateAsync(key, Bytes("x"), Ct);
                Assert.True(created.Succeeded);
                return created.Revision;
            }
            catch (StoreUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    internal static async Task<string> EtcdctlAsync(EtcdProcess etcd, params string[] args)
    {
        var info = new ProcessStartInfo("/usr/bin/etcdctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["ETCDCTL_API"] = "3";
        info.ArgumentList.Add("--endpoints=" + etcd.EndpointList);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"etcdctl failed: {error}");
        return output;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(KeyValue? kv) => kv is null ? "<null>" : Encoding.UTF8.GetString(kv.Value.Span);

    private static int UnusedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

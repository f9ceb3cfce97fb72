using Timonel.ApiServer.Security;
using Xunit;

namespace Timonel.ApiServer.Tests.MultiServer;

/// <summary>Joining a datastore that already holds a cluster: the token decides, and a refused join writes nothing.</summary>
public sealed class ServerJoinTests
{
    [Fact]
    public async Task Join_WithFormattedTokenOfFirstServer_AdoptsItsCa()
    {
        await using var group = await ServerGroup.StartAsync(1);
        var formatted = group.Host(0).Pki.JoinToken.Format();

        var second = await group.AddAsync(formatted);

        Assert.Equal(group.Host(0).Pki.ServerCaPem, group.Host(second).Pki.ServerCaPem);
        Assert.Equal(formatted, (await File.ReadAllTextAsync(group.Host(second).Pki.Paths.JoinToken)).Trim());
    }

    [Fact]
    public async Task Join_WrongToken_FailsClearlyAndWritesNothing()
    {
        await using var group = await ServerGroup.StartAsync(1);
        var dir = group.NewDataDir();

        var error = await Assert.ThrowsAsync<ClusterJoinException>(() => group.AddAsync("0123456789abcdef0123456789abcdef", dir));

        Assert.Contains("--token does not match", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
    }

    [Fact]
    public async Task Join_WithoutToken_TellsToPassTheFirstServersToken()
    {
        await using var group = await ServerGroup.StartAsync(1);
        var dir = group.NewDataDir();

        var error = await Assert.ThrowsAsync<ClusterJoinException>(() => group.AddAsync(null, dir));

        Assert.Contains("--token", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
    }

    [Fact]
    public async Task Join_TokenPinningAnotherCa_Fails()
    {
        await using var group = await ServerGroup.StartAsync(1);
        var pinnedElsewhere = new JoinToken(new string('a', 64), JoinToken.ServerUsername, group.Token).Format();

        var error = await Assert.ThrowsAsync<ClusterJoinException>(() => group.AddAsync(pinnedElsewhere, group.NewDataDir()));

        Assert.Contains("pins a server CA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Join_MalformedToken_IsArgumentErrorNamingTheFlag()
    {
        await using var group = await ServerGroup.StartAsync(1);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => group.AddAsync("K10nothex::server:x", group.NewDataDir()));

        Assert.Contains("--token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_JoinedServerWithoutToken_UsesItsDataDirToken()
    {
        await using var group = await ServerGroup.StartAsync(1);
        var dir = group.NewDataDir();
        var joined = await group.AddAsync(group.Token, dir);
        var ca = group.Host(joined).Pki.ServerCaPem;
        await group.StopAsync(joined);

        var restarted = await group.AddAsync(null, dir);

        Assert.Equal(ca, group.Host(restarted).Pki.ServerCaPem);
    }

    [Fact]
    public async Task Join_DataDirWithItsOwnOldCa_ReplacesItWithTheClusters()
    {
        await using var group = await ServerGroup.StartAsync(1);
        var dir = group.NewDataDir();
        using (await ClusterPki.LoadOrCreateAsync(dir, [], Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None))
        {
        }

        var joined = await group.AddAsync(group.Token, dir);

        var pki = group.Host(joined).Pki;
        Assert.Equal(group.Host(0).Pki.ServerCaPem, pki.ServerCaPem);
        Assert.True(CertificateIssuer.IsSignedBy(pki.ServingCertificate, pki.ServerCa));
        Assert.True(CertificateIssuer.IsSignedBy(pki.AdminCertificate, pki.ClientCa));
    }

    [Fact]
    public async Task Bootstrap_RecordInStore_IsSealedNotPlainPem()
    {
        await using var group = await ServerGroup.StartAsync(1);

        var record = await group.Store.GetAsync(ClusterBootstrap.Key, CancellationToken.None);

        Assert.NotNull(record);
        var text = System.Text.Encoding.UTF8.GetString(record.Value.Span);
        Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
        Assert.Null(BootstrapCipher.Open("wrong", ClusterBootstrap.Key, record.Value.Span));
        Assert.NotNull(BootstrapCipher.Open(group.Token, ClusterBootstrap.Key, record.Value.Span));
        Assert.Null(BootstrapCipher.Open(group.Token, "/another/key", record.Value.Span));
    }

    [Fact]
    public async Task EmbeddedStore_WithToken_UsesItAndStoresNoBootstrapRecord()
    {
        var dir = Directory.CreateTempSubdirectory("timonel-embedded-").FullName;
        var store = new Timonel.Storage.Memory.MemoryStore();
        try
        {
            await using (var host = await ApiServerHost.StartAsync(
                new ApiServerOptions { DataDir = dir, Port = FreePort(), JoinToken = "feedfacefeedfacefeedfacefeedface" },
                _ => Task.FromResult<Timonel.Storage.IStore>(new SharedStore(store)),
                Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
                CancellationToken.None))
            {
                Assert.Equal("feedfacefeedfacefeedfacefeedface", host.Pki.JoinToken.Secret);
                Assert.NotNull(host.Pki.JoinToken.CaHash);
            }

            Assert.Null(await store.GetAsync(ClusterBootstrap.Key, CancellationToken.None));
        }
        finally
        {
            await store.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

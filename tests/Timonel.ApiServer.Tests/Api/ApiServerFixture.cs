using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Storage;
using Timonel.Storage.Memory;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// A real API server over HTTPS on a free loopback port, backed by a <see cref="MemoryStore"/>
/// the tests can inspect (revision checks, compaction). One per test class; tests use their
/// own namespaces.
/// </summary>
public class ApiServerFixture : IAsyncLifetime
{
    private readonly TimeProvider _time;
    private string _dataDir = "";
    private int _namespaces;

    public ApiServerFixture()
        : this(TimeProvider.System)
    {
    }

    /// <summary>A server on <paramref name="time"/>'s clock (see <see cref="FakeClockApiServerFixture"/>).</summary>
    protected ApiServerFixture(TimeProvider time) => _time = time;

    public MemoryStore Store { get; } = new();

    public ApiServerHost Host { get; private set; } = null!;

    internal ApiClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _dataDir = Directory.CreateTempSubdirectory("timonel-api-").FullName;
        Host = await ApiServerHost.StartAsync(
            Configure(new ApiServerOptions { DataDir = _dataDir, Port = FreePort(), Time = _time, KubeletDialFilter = IPAddress.IsLoopback }),
            _ => Task.FromResult<IStore>(Store),
            NullLoggerFactory.Instance,
            CancellationToken.None);
        Client = new ApiClient(Host.Url, Host.Pki.ServerCaPem, Host.Pki.AdminToken);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp dir is harmless.
        }
    }

    /// <summary>Lets a derived fixture change the server's options (an authorizer, say) before it starts.</summary>
    protected virtual ApiServerOptions Configure(ApiServerOptions options) => options;

    /// <summary>Creates a fresh namespace and returns its name.</summary>
    internal async Task<string> NamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces)}";
        var created = await Client.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });
        Assert.Equal(201, created.Code);
        return name;
    }

    /// <summary>The store's revision: unchanged across a failed request proves nothing was written.</summary>
    public Task<long> RevisionAsync() => Store.GetCurrentRevisionAsync(CancellationToken.None);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

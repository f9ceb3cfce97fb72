using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer.Admission;
using Timonel.ApiServer.Encryption;
using Timonel.ApiServer.Tests.Api;
using Timonel.Storage;
using Timonel.Storage.Memory;

namespace Timonel.ApiServer.Tests.MultiServer;

/// <summary>Several in-process API servers, each with its own data dir and port, on one shared store.</summary>
internal sealed class ServerGroup : IAsyncDisposable
{
    private readonly List<string> _dirs = [];
    private readonly List<(ApiServerHost Host, ApiClient Client, string Dir)> _servers = [];
    private readonly HashSet<int> _stopped = [];

    private ServerGroup(IStore store, ServiceNetwork network)
    {
        Store = store;
        Network = network;
    }

    public IStore Store { get; }

    public ServiceNetwork Network { get; }

    /// <summary>The token every server of the group is started with.</summary>
    public string Token { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>Servers added from now on encrypt Secrets with the generated key shared through the store, as `timonel server` does without --encryption-provider-config.</summary>
    public bool GeneratedEncryption { get; set; }

    public static async Task<ServerGroup> StartAsync(int count, ServiceNetwork? network = null, IStore? store = null, bool generatedEncryption = false)
    {
        var group = new ServerGroup(store ?? new MemoryStore(), network ?? ServiceNetwork.Default) { GeneratedEncryption = generatedEncryption };
        // Started together with one token, as an operator starting a fleet would: the shared
        // bootstrap and the system objects must not race.
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => group.AddAsync(group.Token)));
        return group;
    }

    public ApiServerHost Host(int i) => _servers[i].Host;

    public ApiClient Client(int i) => _servers[i].Client;

    /// <summary>Server <paramref name="i"/>'s data dir.</summary>
    public string DataDir(int i) => _servers[i].Dir;

    public int Count => _servers.Count;

    /// <summary>Starts one more server on the group's store; <paramref name="dir"/> reuses a data dir (a restart).</summary>
    public async Task<int> AddAsync(string? token, string? dir = null)
    {
        if (dir is null)
        {
            dir = NewDataDir();
        }

        var host = await ApiServerHost.StartAsync(
            new ApiServerOptions
            {
                DataDir = dir,
                Port = FreePort(),
                ServiceNetwork = Network,
                JoinToken = token,
                DatastoreEndpoint = "memory://",
                EncryptionProviderConfig = GeneratedEncryption ? EncryptionKeyFile.DefaultPath(dir) : null,
                EncryptionConfigFromDatastore = GeneratedEncryption,
            },
            _ => Task.FromResult<IStore>(new SharedStore(Store)),
            NullLoggerFactory.Instance,
            CancellationToken.None);
        lock (_servers)
        {
            _servers.Add((host, new ApiClient(host.Url, host.Pki.ServerCaPem, host.Pki.AdminToken), dir));
            return _servers.Count - 1;
        }
    }

    /// <summary>Stops server <paramref name="i"/> (the store stays open for the others).</summary>
    public async Task StopAsync(int i)
    {
        if (_stopped.Add(i))
        {
            _servers[i].Client.Dispose();
            await _servers[i].Host.DisposeAsync();
        }
    }

    /// <summary>A fresh data dir, removed with the group.</summary>
    public string NewDataDir()
    {
        var dir = Directory.CreateTempSubdirectory("timonel-multi-").FullName;
        lock (_dirs)
        {
            _dirs.Add(dir);
        }

        return dir;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _servers.Count; i++)
        {
            await StopAsync(i);
        }

        foreach (var dir in _dirs)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover temp dir is harmless.
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer;
using Timonel.Storage;
using Timonel.Storage.Memory;

namespace Timonel.Testing;

/// <summary>
/// An in-process API server on a free loopback port over an in-memory store, with a
/// KubernetesClient <see cref="IKubernetes"/> logged in as the admin. Shared by the component
/// test projects (controllers, scheduler, kubelet, client machinery). Its API server opens
/// kubelet connections to loopback addresses only; any other address is refused before a
/// packet is sent and recorded in <see cref="RefusedKubeletDials"/>.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private const int BindAttempts = 5;
    private readonly string _dataDir;
    private int _namespaces;

    private TestCluster(string dataDir, MemoryStore store, ApiServerHost host, IKubernetes client, ConcurrentQueue<IPAddress> refusedDials)
    {
        _dataDir = dataDir;
        RefusedKubeletDials = refusedDials;
        Store = store;
        Host = host;
        Client = client;
    }

    public MemoryStore Store { get; }

    /// <summary>Non-loopback addresses the API server tried to open a kubelet connection to (and was refused).</summary>
    public IReadOnlyCollection<IPAddress> RefusedKubeletDials { get; }

    public ApiServerHost Host { get; }

    /// <summary>An admin client; each call to <see cref="NewClient"/> gives another with its own connections.</summary>
    public IKubernetes Client { get; }

    public string KubeconfigPath => Host.KubeconfigPath;

    /// <summary>
    /// Starts a server on a free loopback port. The port is picked, released and bound again, so
    /// another process starting servers at the same moment can take it in between: that bind
    /// failure is retried on a new port.
    /// </summary>
    /// <param name="configure">Changes the server's options before it starts (an authorization mode, say).</param>
    public static async Task<TestCluster> StartAsync(ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default, Func<ApiServerOptions, ApiServerOptions>? configure = null)
    {
        configure ??= static options => options;
        for (var attempt = 1; ; attempt++)
        {
            var dataDir = Directory.CreateTempSubdirectory("timonel-cluster-").FullName;
            var store = new MemoryStore();
            var refusedDials = new ConcurrentQueue<IPAddress>();
            try
            {
                var host = await ApiServerHost.StartAsync(
                    configure(new ApiServerOptions { DataDir = dataDir, Port = FreePort(), KubeletDialFilter = address => LoopbackOnly(address, refusedDials) }),
                    _ => Task.FromResult<IStore>(store),
                    loggerFactory ?? NullLoggerFactory.Instance,
                    cancellationToken).ConfigureAwait(false);
                return new TestCluster(dataDir, store, host, NewClient(host.KubeconfigPath), refusedDials);
            }
            catch (IOException e) when (attempt < BindAttempts && IsAddressInUse(e))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    public IKubernetes NewClient() => NewClient(Host.KubeconfigPath);

    /// <summary>A unique namespace name for one test (not created: call <see cref="CreateNamespaceAsync"/>).</summary>
    public string UniqueName(string prefix) => $"{prefix}-{Interlocked.Increment(ref _namespaces)}";

    /// <summary>
    /// When set, <see cref="CreateNamespaceAsync"/> also creates what the controller manager would
    /// (the `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap), so that pods, which
    /// admission gives a service-account token volume, can start on a real kubelet without one.
    /// </summary>
    public bool SeedsServiceAccounts { get; set; }

    /// <summary>Creates a fresh namespace and returns its name.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var name = UniqueName(prefix);
        await Client.CoreV1.CreateNamespaceAsync(new k8s.Models.V1Namespace { Metadata = new k8s.Models.V1ObjectMeta { Name = name } }, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (SeedsServiceAccounts)
        {
            await Client.CoreV1.CreateNamespacedServiceAccountAsync(new k8s.Models.V1ServiceAccount { Metadata = new k8s.Models.V1ObjectMeta { Name = "default" } }, name, cancellationToken: cancellationToken).ConfigureAwait(false);
            var rootCa = new k8s.Models.V1ConfigMap
            {
                Metadata = new k8s.Models.V1ObjectMeta { Name = "kube-root-ca.crt" },
                Data = new Dictionary<string, string> { ["ca.crt"] = Host.Pki.ServerCaPem },
            };
            await Client.CoreV1.CreateNamespacedConfigMapAsync(rootCa, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return name;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp dir is harmless.
        }
    }

    private static bool LoopbackOnly(IPAddress address, ConcurrentQueue<IPAddress> refused)
    {
        if (IPAddress.IsLoopback(address))
        {
            return true;
        }

        refused.Enqueue(address);
        return false;
    }

    private static Kubernetes NewClient(string kubeconfigPath) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath), new ConnectRetryHandler());

    private static bool IsAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

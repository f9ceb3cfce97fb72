using System.Net;
using Timonel.ApiServer.Admission;

namespace Timonel.ApiServer;

/// <summary>Settings of the API server; each names the flag that sets it.</summary>
public sealed record ApiServerOptions
{
    /// <summary>--data-dir: certificates, kubeconfig, the SQLite database. Default /var/lib/timonel as root, else ~/.timonel.</summary>
    public required string DataDir { get; init; }

    /// <summary>--port: the HTTPS port (default 6443).</summary>
    public int Port { get; init; } = 6443;

    /// <summary>--bind-address: the address to listen on (default 127.0.0.1; 0.0.0.0 serves other machines).</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>--service-cidr and --service-node-port-range.</summary>
    public ServiceNetwork ServiceNetwork { get; init; } = ServiceNetwork.Default;

    /// <summary>--tls-san: extra names or IPs for the serving certificate.</summary>
    public IReadOnlyList<string> ExtraSans { get; init; } = [];

    /// <summary>--datastore-endpoint: empty for the embedded SQLite store; "memory://" keeps state in memory (tests, benchmarks).</summary>
    public string? DatastoreEndpoint { get; init; }

    /// <summary>
    /// --token / --token-file: the cluster's join token. With a shared datastore, a server given
    /// the first server's token adopts its CAs and signing keys from the datastore; on an empty
    /// datastore (or the embedded store's first start) it becomes the cluster's token. Null: the
    /// data dir's own token, or a new one.
    /// </summary>
    public string? JoinToken { get; init; }

    /// <summary>True when the datastore may be shared by several servers (anything but the embedded SQLite store).</summary>
    public bool SharedDatastore => !string.IsNullOrEmpty(DatastoreEndpoint);

    /// <summary>tolerationSeconds of the not-ready NoExecute toleration added to every pod (upstream's --default-not-ready-toleration-seconds).</summary>
    public long DefaultNotReadyTolerationSeconds { get; init; } = 300;

    /// <summary>tolerationSeconds of the unreachable NoExecute toleration added to every pod (upstream's --default-unreachable-toleration-seconds).</summary>
    public long DefaultUnreachableTolerationSeconds { get; init; } = 300;

    /// <summary>The default data directory for the current user.</summary>
    public static string DefaultDataDir() =>
        Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root"
            ? "/var/lib/timonel"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".timonel");
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Timonel.Testing;

/// <summary>
/// A real etcd (the machine's /usr/bin/etcd) for tests: one member or a cluster of several,
/// each on free loopback ports with its own temporary data directory. Members can be killed
/// (SIGKILL, by PID) and restarted on the same ports and data; disposing stops every member by
/// PID and deletes the directories.
/// </summary>
public sealed class EtcdProcess : IAsyncDisposable
{
    /// <summary>Where the etcd binary is looked for (overridable with TIMONEL_ETCD).</summary>
    public const string DefaultBinary = "/usr/bin/etcd";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Member[] _members;
    private readonly string _root;
    private readonly string _binary;

    private readonly EtcdTlsFiles? _tls;

    private EtcdProcess(string root, string binary, Member[] members, EtcdTlsFiles? tls)
    {
        _root = root;
        _binary = binary;
        _members = members;
        _tls = tls;
    }

    /// <summary>The client URL of each member, in member order (http://127.0.0.1:port).</summary>
    public IReadOnlyList<string> Endpoints => _members.Select(m => m.ClientUrl).ToArray();

    /// <summary>Every member's client URL, comma-separated, as --datastore-endpoint takes them.</summary>
    public string EndpointList => string.Join(",", Endpoints);

    public int MemberCount => _members.Length;

    /// <summary>True when the etcd binary exists, so tests that need it can run.</summary>
    public static bool IsInstalled => File.Exists(BinaryPath);

    /// <summary>The etcd binary the tests run: $TIMONEL_ETCD, else /usr/bin/etcd.</summary>
    public static string BinaryPath => Environment.GetEnvironmentVariable("TIMONEL_ETCD") is { Length: > 0 } custom ? custom : DefaultBinary;

    /// <summary>
    /// Starts <paramref name="members"/> members as one new cluster and waits until each answers
    /// /health. With <paramref name="tls"/> the client URLs are https and clients must present a
    /// certificate signed by its CA (peers still talk plain http on loopback).
    /// </summary>
    public static async Task<EtcdProcess> StartAsync(int members = 1, EtcdTlsFiles? tls = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(members, 1);
        var binary = BinaryPath;
        if (!File.Exists(binary))
        {
            throw new FileNotFoundException($"etcd is not installed at {binary} (scripts/install-deps.sh installs it)", binary);
        }

        var root = Path.Combine(Path.GetTempPath(), "timonel-etcd-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var ports = FreePorts(members * 2);
        var list = Enumerable.Range(0, members)
            .Select(i => new Member($"m{i}", Path.Combine(root, $"m{i}"), ports[2 * i], ports[(2 * i) + 1], tls is null ? "http" : "https"))
            .ToArray();
        var cluster = new EtcdProcess(root, binary, list, tls);
        try
        {
            foreach (var member in list)
            {
                cluster.Launch(member);
            }

            await Task.WhenAll(list.Select(m => cluster.WaitHealthyAsync(m, cancellationToken))).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The operating-system process id of a running member, or null when it is stopped.</summary>
    public int? ProcessId(int member) => _members[member].Process is { HasExited: false } p ? p.Id : null;

    /// <summary>The member's data directory.</summary>
    public string DataDirectory(int member) => _members[member].DataDir;

    /// <summary>Kills a member with SIGKILL (no graceful shutdown) and waits for it to exit.</summary>
    public async Task KillAsync(int member)
    {
        var process = _members[member].Process;
        if (process is null || process.HasExited)
        {
            return;
        }

        process.Kill(entireProcessTree: false);
        await process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>Starts a stopped member again on its ports and data directory and waits until it answers /health.</summary>
    public async Task RestartAsync(int member, CancellationToken cancellationToken = default)
    {
        await KillAsync(member).ConfigureAwait(false);
        Launch(_members[member]);
        await WaitHealthyAsync(_members[member], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The last lines etcd printed (for failure messages).</summary>
    public string RecentLog(int member) => string.Join("\n", _members[member].Log);

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _members.Length; i++)
        {
            await KillAsync(i).ConfigureAwait(false);
            _members[i].Process?.Dispose();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the temp folder's own cleanup takes what is left.
        }
    }

    private void Launch(Member member)
    {
        var initialCluster = string.Join(",", _members.Select(m => $"{m.Name}={m.PeerUrl}"));
        var info = new ProcessStartInfo(_binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--name", member.Name,
            "--data-dir", member.DataDir,
            "--listen-client-urls", member.ClientUrl,
            "--advertise-client-urls", member.ClientUrl,
            "--listen-peer-urls", member.PeerUrl,
            "--initial-advertise-peer-urls", member.PeerUrl,
            "--initial-cluster", initialCluster,
            "--initial-cluster-state", "new",
            "--initial-cluster-token", Path.GetFileName(_root),
            // Short raft timers: loopback has no latency, and tests wait for elections.
            "--heartbeat-interval", "50",
            "--election-timeout", "500",
            "--logger", "zap",
            "--log-level", "warn",
        })
        {
            info.ArgumentList.Add(arg);
        }

        if (_tls is not null)
        {
            foreach (var arg in new[] { "--cert-file", _tls.CertFile, "--key-file", _tls.KeyFile, "--trusted-ca-file", _tls.CaFile, "--client-cert-auth" })
            {
                info.ArgumentList.Add(arg);
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var log = member.Log;
        DataReceivedEventHandler keep = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            log.Enqueue(e.Data);
            while (log.Count > 40 && log.TryDequeue(out string? _))
            {
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        member.Process = process;
    }

    private async Task WaitHealthyAsync(Member member, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(HealthHandler()) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member.Process is null || member.Process.HasExited)
            {
                throw new InvalidOperationException($"etcd member {member.Name} exited while starting:\n{string.Join("\n", member.Log)}");
            }

            try
            {
                var body = await http.GetStringAsync(new Uri(member.ClientUrl + "/health"), cancellationToken).ConfigureAwait(false);
                if (body.Contains("\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening or not healthy yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"etcd member {member.Name} did not become healthy within {StartTimeout.TotalSeconds:F0} s:\n{string.Join("\n", member.Log)}");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A handler for /health: with TLS it presents the test client certificate and trusts the member (loopback only).</summary>
    private HttpMessageHandler HealthHandler()
    {
        var handler = new HttpClientHandler();
        if (_tls is not null)
        {
            handler.ClientCertificates.Add(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(_tls.ClientCertFile, _tls.ClientKeyFile));
            handler.ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator;
        }

        return handler;
    }

    /// <summary>Distinct free loopback ports, all held open together while they are chosen.</summary>
    private static int[] FreePorts(int count)
    {
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                sockets.Add(socket);
            }

            return sockets.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port).ToArray();
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    private sealed class Member(string name, string dataDir, int clientPort, int peerPort, string clientScheme)
    {
        public string Name { get; } = name;

        public string DataDir { get; } = dataDir;

        public string ClientUrl { get; } = $"{clientScheme}://127.0.0.1:{clientPort}";

        public string PeerUrl { get; } = $"http://127.0.0.1:{peerPort}";

        public ConcurrentQueue<string> Log { get; } = new();

        public Process? Process { get; set; }
    }
}

/// <summary>PEM files for an etcd serving TLS to clients: its certificate and key, the CA clients must be signed by, and a client pair for health checks.</summary>
/// <param name="CertFile">Server certificate (valid for 127.0.0.1).</param>
/// <param name="KeyFile">Server private key.</param>
/// <param name="CaFile">CA that signed the server and client certificates.</param>
/// <param name="ClientCertFile">A client certificate signed by the CA.</param>
/// <param name="ClientKeyFile">Its private key.</param>
public sealed record EtcdTlsFiles(string CertFile, string KeyFile, string CaFile, string ClientCertFile, string ClientKeyFile);

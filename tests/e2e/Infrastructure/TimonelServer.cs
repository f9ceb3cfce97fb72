using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// One <c>./timonel server</c> child process on a free loopback port and its own data directory.
/// Restart and Kill9 start it again on the same data directory and port, as an operator would.
/// </summary>
public sealed class TimonelServer : IAsyncDisposable
{
    // The launcher builds the CLI on its first run (or when sources changed): a minute or more on 2 cores.
    private static readonly TimeSpan FirstStartTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    // With its agent the server also stops the kubelet and containerd (which gets 10 s before SIGKILL).
    private static readonly TimeSpan AgentStopGrace = TimeSpan.FromSeconds(30);

    private Process? process;
    private HttpClient? client;

    private TimonelServer(string rootDir, int port, IReadOnlyList<string> extraArgs, string? netnsPath, bool embeddedAgent = false)
    {
        EmbeddedAgent = embeddedAgent;
        ExtraArgs = extraArgs;
        NetnsPath = netnsPath;
        RootDir = rootDir;
        DataDir = Path.Combine(rootDir, "data");
        StderrPath = Path.Combine(rootDir, "server.log");
        Port = port;
    }

    /// <summary>Whether the server runs its own node agent (no --disable-agent).</summary>
    public bool EmbeddedAgent { get; }

    /// <summary>Whether the last <see cref="StopAsync"/> saw the server exit by itself within the grace period (false: it was killed).</summary>
    public bool LastStopWasClean { get; private set; }

    /// <summary>Flags added to `timonel server` on every start (e.g. --datastore-endpoint, --token).</summary>
    public IReadOnlyList<string> ExtraArgs { get; }

    /// <summary>Temp directory owned by this server: data dir, log, and room for test files.</summary>
    public string RootDir { get; }

    public string DataDir { get; }

    /// <summary>The network namespace the server runs in (entered with nsenter --net), or null for the test's own.</summary>
    public string? NetnsPath { get; }

    /// <summary>The node join token the server wrote (DATA_DIR/token), for `timonel agent --token`.</summary>
    public string JoinToken => File.ReadAllText(Path.Combine(DataDir, "token")).Trim();

    public string StderrPath { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"https://127.0.0.1:{Port}/");

    public string KubeconfigPath => Path.Combine(DataDir, "kubeconfig.yaml");

    public int Pid => process?.Id ?? throw new InvalidOperationException("The server is not running");

    /// <summary>An HTTPS client that trusts the cluster CA and sends the admin token.</summary>
    public HttpClient Api => client ??= CreateClient();

    public static Task<TimonelServer> StartAsync(CancellationToken cancellationToken) => StartAsync([], cancellationToken);

    /// <summary>Starts a server with extra flags after the fixture's own (data dir, port, --disable-agent).</summary>
    public static Task<TimonelServer> StartAsync(IReadOnlyList<string> extraArgs, CancellationToken cancellationToken) =>
        StartAsync(extraArgs, netnsPath: null, port: null, cancellationToken);

    /// <summary>
    /// Starts a server inside <paramref name="netnsPath"/> (a namespace the test made; null for the
    /// test's own) on <paramref name="port"/> (a free loopback port when null). Readiness is checked
    /// on 127.0.0.1 of that namespace.
    /// </summary>
    public static async Task<TimonelServer> StartAsync(IReadOnlyList<string> extraArgs, string? netnsPath, int? port, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("timonel-e2e-").FullName;
        var server = new TimonelServer(root, port ?? FreeLoopbackPort(), extraArgs, netnsPath);
        try
        {
            await server.LaunchAsync(FirstStartTimeout, cancellationToken);
            return server;
        }
        catch
        {
            // The caller never gets the server to dispose: stop the child here, or it outlives the test run.
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts `timonel server` with its local node agent inside <paramref name="netnsPath"/> (a
    /// namespace the test made, with an address: the agent's node IP), as the README's first
    /// command runs it; the agent's containerd and pods live under the server's data dir.
    /// </summary>
    public static async Task<TimonelServer> StartWithAgentAsync(IReadOnlyList<string> extraArgs, string netnsPath, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("timonel-e2e-").FullName;
        var server = new TimonelServer(root, FreeLoopbackPort(), extraArgs, netnsPath, embeddedAgent: true);
        try
        {
            await server.LaunchAsync(FirstStartTimeout, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Graceful stop (SIGTERM), then start again on the same data directory.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await StopAsync();
        await LaunchAsync(FirstStartTimeout, cancellationToken);
    }

    /// <summary>SIGKILL, no chance to flush anything, then start again on the same data directory.</summary>
    public async Task Kill9AndStartAsync(CancellationToken cancellationToken)
    {
        Kill9();
        await WaitForExitAsync();
        await LaunchAsync(FirstStartTimeout, cancellationToken);
    }

    public void Kill9() => process?.Kill();

    public async Task WaitForExitAsync()
    {
        if (process is not null)
        {
            await process.WaitForExitAsync(CancellationToken.None);
            process.Dispose();
            process = null;
        }
    }

    public async Task StopAsync()
    {
        if (process is not null)
        {
            LastStopWasClean = await ChildProcess.StopAsync(process, EmbeddedAgent ? AgentStopGrace : StopGrace);
            process.Dispose();
            process = null;
        }
    }

    /// <summary>The last lines the server wrote, for assertion messages.</summary>
    public string LogTail(int lines = 40)
    {
        if (!File.Exists(StderrPath))
        {
            return "(no server log)";
        }

        using var stream = new FileStream(StderrPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var all = reader.ReadToEnd().Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        client?.Dispose();
        try
        {
            Directory.Delete(RootDir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless; never fail a test run over it.
        }
    }

    private async Task LaunchAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(DataDir);
        File.AppendAllText(StderrPath, $"==== start {DateTime.UtcNow:O}\n");

        // exec keeps one PID from the shell through the launcher to dotnet, so stopping it by PID stops the server.
        // nsenter (not "ip netns exec", which remounts /sys) execs the shell: the PID stays the server's.
        var start = new ProcessStartInfo(NetnsPath is null ? "/bin/sh" : "nsenter") { UseShellExecute = false };
        if (NetnsPath is not null)
        {
            start.ArgumentList.Add($"--net={NetnsPath}");
            start.ArgumentList.Add("--");
            start.ArgumentList.Add("/bin/sh");
        }

        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("log=\"$3\"; launcher=\"$0\"; dir=\"$1\"; port=\"$2\"; shift 4; exec \"$launcher\" server --data-dir \"$dir\" --port \"$port\" \"$@\" >>\"$log\" 2>&1 </dev/null");
        start.ArgumentList.Add(RepoRoot.Launcher);
        start.ArgumentList.Add(DataDir);
        start.ArgumentList.Add(Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(StderrPath);
        start.ArgumentList.Add("--");
        if (!EmbeddedAgent)
        {
            start.ArgumentList.Add("--disable-agent");
        }

        foreach (var arg in ExtraArgs)
        {
            start.ArgumentList.Add(arg);
        }
        process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the timonel launcher");

        await WaitReadyAsync(timeout, cancellationToken);
    }

    private async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var tokenPath = Path.Combine(DataDir, "tls", "admin.token");
        var caPath = Path.Combine(DataDir, "tls", "server-ca.crt");
        while (true)
        {
            if (process is { HasExited: true })
            {
                throw new InvalidOperationException($"timonel server exited with code {process.ExitCode} before it was ready:\n{LogTail()}");
            }

            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"timonel server was not ready within {timeout}:\n{LogTail()}");
            }

            if (File.Exists(tokenPath) && File.Exists(caPath) && await IsReadyAsync(deadline.Token))
            {
                return;
            }

            try
            {
                await Task.Delay(100, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                // Checked at the top of the loop, with the server log in the message.
            }
        }
    }

    private async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Api.GetAsync("readyz", cancellationToken);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private HttpClient CreateClient()
    {
        var caPem = File.ReadAllText(Path.Combine(DataDir, "tls", "server-ca.crt"));
        var caFields = PemEncoding.Find(caPem);
        var ca = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(caPem[caFields.Base64Data]));
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) };
        if (NetnsPath is not null)
        {
            // 127.0.0.1 of the server's namespace: the socket is created inside it.
            var network = new Timonel.Kubelet.Network.NodeNetwork(NetnsPath);
            handler.ConnectCallback = async (context, ct) =>
                new NetworkStream(await network.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), ct), ownsSocket: true);
        }

        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is not X509Certificate2 served)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(served);
        };
        var token = File.ReadAllText(Path.Combine(DataDir, "tls", "admin.token")).Trim();
        var http = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Timonel.Cli.Bench;

/// <summary>
/// The server under measurement: either a child `timonel server` the benchmark starts on a free
/// loopback port with a temporary data dir (stopped by its PID at the end), or a running one
/// given by URL, token and CA.
/// </summary>
internal sealed class BenchTarget : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process? _child;
    private readonly string? _tempDir;
    private readonly Task? _logCopy;

    private BenchTarget(Uri url, string token, string caFile, int? pid, Process? child, string? tempDir, Task? logCopy, string store)
    {
        Url = url;
        Token = token;
        CaFile = caFile;
        Pid = pid;
        _child = child;
        _tempDir = tempDir;
        _logCopy = logCopy;
        Store = store;
    }

    public Uri Url { get; }

    public string Token { get; private set; }

    public string CaFile { get; }

    /// <summary>The server's PID when known (always for a child), for RSS and CPU.</summary>
    public int? Pid { get; }

    /// <summary>True once a child server has exited (crashed, or stopped by us).</summary>
    public bool Exited => _child is { HasExited: true };

    /// <summary>Which datastore the server runs on, as far as the benchmark knows.</summary>
    public string Store { get; }

    /// <summary>The child's admin kubeconfig (null for a running server given by URL).</summary>
    public string? KubeconfigPath => _tempDir is null ? null : Path.Combine(_tempDir, "kubeconfig.yaml");

    /// <summary>The child's stdout and stderr, kept in its data dir.</summary>
    public string? LogFile => _tempDir is null ? null : Path.Combine(_tempDir, "server.log");

    /// <summary>A running server; a token of the form @FILE is read from FILE.</summary>
    public static BenchTarget Existing(ApiBenchOptions options)
    {
        var token = options.Token!.StartsWith('@') ? File.ReadAllText(options.Token[1..]).Trim() : options.Token;
        return new BenchTarget(new Uri(options.ServerUrl!.TrimEnd('/') + "/"), token, options.CaFile!, options.ServerPid, null, null, null, "as configured on the running server");
    }

    /// <summary>Starts `dotnet timonel.dll server` on a free loopback port and waits for its credentials to appear.</summary>
    public static async Task<BenchTarget> StartChildAsync(string? datastoreEndpoint, CancellationToken cancellationToken, params string[] extraServerArgs)
    {
        var dataDir = Directory.CreateTempSubdirectory("timonel-bench-").FullName;
        var port = FreeLoopbackPort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "timonel.dll"), "server", "--data-dir", dataDir, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--disable-agent" })
        {
            start.ArgumentList.Add(arg);
        }

        if (!string.IsNullOrEmpty(datastoreEndpoint))
        {
            start.ArgumentList.Add("--datastore-endpoint");
            start.ArgumentList.Add(datastoreEndpoint);
        }

        foreach (var arg in extraServerArgs)
        {
            start.ArgumentList.Add(arg);
        }

        var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the child server");
        var log = File.Create(Path.Combine(dataDir, "server.log"));
        var logCopy = Task.WhenAll(
            child.StandardOutput.BaseStream.CopyToAsync(log, CancellationToken.None),
            child.StandardError.BaseStream.CopyToAsync(log, CancellationToken.None)).ContinueWith(_ => log.Dispose(), TaskScheduler.Default);
        var target = new BenchTarget(
            new Uri($"https://127.0.0.1:{port}/"),
            "",
            Path.Combine(dataDir, "tls", "server-ca.crt"),
            child.Id,
            child,
            dataDir,
            logCopy,
            string.IsNullOrEmpty(datastoreEndpoint) ? "default: embedded SQLite" : datastoreEndpoint);
        try
        {
            var kubeconfig = Path.Combine(dataDir, "kubeconfig.yaml");
            var tokenFile = Path.Combine(dataDir, "tls", "admin.token");
            var deadline = Stopwatch.StartNew();
            while (!File.Exists(kubeconfig) || !File.Exists(tokenFile))
            {
                if (child.HasExited)
                {
                    throw new InvalidOperationException($"the child server exited with code {child.ExitCode}; see {target.LogFile}");
                }

                if (deadline.Elapsed > StartTimeout)
                {
                    throw new TimeoutException($"the child server did not write its kubeconfig within {StartTimeout.TotalSeconds:F0} s; see {target.LogFile}");
                }

                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }

            target.Token = (await File.ReadAllTextAsync(tokenFile, cancellationToken).ConfigureAwait(false)).Trim();
            return target;
        }
        catch
        {
            await target.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until GET /readyz answers 200.</summary>
    public async Task WaitReadyAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await client.GetAsync(new Uri(Url, "readyz"), cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (deadline.Elapsed < StartTimeout)
            {
                // Not listening yet.
            }

            if (_child is { HasExited: true })
            {
                throw new InvalidOperationException($"the child server exited with code {_child.ExitCode}; see {LogFile}");
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"{Url}readyz did not answer 200 within {StartTimeout.TotalSeconds:F0} s");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the child by its PID (SIGTERM, then SIGKILL after 10 s) and removes its data dir.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_child is null)
        {
            return;
        }

        var crashed = _child.HasExited;
        if (!crashed)
        {
            using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", _child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
            {
                if (term is not null)
                {
                    await term.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _child.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _child.Kill();
                await _child.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        if (_logCopy is not null)
        {
            await _logCopy.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _child.Dispose();
        if (crashed)
        {
            Console.Error.WriteLine($"timonel bench: the child server had exited on its own; its data dir and log are kept in {_tempDir}");
        }
        else if (_tempDir is not null)
        {
            try
            {
                Directory.Delete(_tempDir, recursive: true);
            }
            catch (IOException)
            {
                // Left behind in /tmp: harmless.
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Diagnostics;

namespace Timonel.Cli.Bench;

/// <summary>
/// The benchmark's sandbox: a "node" network namespace with a pod bridge (10.42.0.1/24) and one
/// "pod" namespace on it running busybox httpd on 10.42.0.11:8080. Removed on dispose, the
/// server stopped by its PID.
/// </summary>
internal sealed class ProxyBenchNetwork : IDisposable
{
    public const string PodIp = "10.42.0.11";

    private readonly string _webRoot;
    private readonly List<string> _namespaces = [];
    private Process? _server;

    private ProxyBenchNetwork(string webRoot)
    {
        _webRoot = webRoot;
    }

    public string NodeNamespace => $"/var/run/netns/{_namespaces[0]}";

    public static ProxyBenchNetwork Create()
    {
        var network = new ProxyBenchNetwork(Directory.CreateTempSubdirectory("timonel-bench-proxy-").FullName);
        try
        {
            network.Build();
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private void Build()
    {
        var node = AddNamespace("tbnode");
        var pod = AddNamespace("tbpod");
        Exec(node, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        Exec(node, "ip", "link", "set", "lo", "up");
        Exec(node, "ip", "link", "add", "tbbr0", "type", "bridge");
        Exec(node, "ip", "addr", "add", "10.42.0.1/24", "dev", "tbbr0");
        Exec(node, "ip", "link", "set", "tbbr0", "up");

        // ClusterIPs need a route to leave by; the node's pod bridge will do.
        Exec(node, "ip", "route", "add", "default", "dev", "tbbr0");
        Exec(node, "ip", "link", "add", "tbpod0", "type", "veth", "peer", "name", "eth0", "netns", pod);
        Exec(node, "ip", "link", "set", "tbpod0", "master", "tbbr0");
        Exec(node, "ip", "link", "set", "tbpod0", "up");
        Exec(pod, "ip", "link", "set", "lo", "up");
        Exec(pod, "ip", "addr", "add", $"{PodIp}/24", "dev", "eth0");
        Exec(pod, "ip", "link", "set", "eth0", "up");
        Exec(pod, "ip", "route", "add", "default", "via", "10.42.0.1");
        File.WriteAllText(Path.Combine(_webRoot, "index.html"), "ok\n");
        _server = Process.Start(StartInfo(["nsenter", $"--net=/var/run/netns/{pod}", "--", "busybox", "httpd", "-f", "-p", "8080", "-h", _webRoot]));
    }

    /// <summary>
    /// Requests per second from the node namespace to a URL: <paramref name="clients"/> curl
    /// processes each fetching <paramref name="requestsEach"/> times (one TCP connection per
    /// request: busybox httpd closes each), so every request passes the NAT rules anew.
    /// </summary>
    public async Task<double> RequestsPerSecondAsync(string baseUrl, int clients, int requestsEach, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var runs = Enumerable.Range(0, clients).Select(_ => RunAsync(["nsenter", $"--net={NodeNamespace}", "--", "curl", "-s", "-f", $"{baseUrl}/?[1-{requestsEach}]"], cancellationToken));
        var outputs = await Task.WhenAll(runs).ConfigureAwait(false);
        var elapsed = watch.Elapsed;
        var answered = outputs.Sum(o => o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        return answered / elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        if (_server is not null)
        {
            if (!_server.HasExited)
            {
                _server.Kill();
                _server.WaitForExit(5000);
            }

            _server.Dispose();
        }

        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            using var p = Process.Start(StartInfo(["ip", "netns", "delete", ns]));
            p?.WaitForExit();
        }

        Directory.Delete(_webRoot, recursive: true);
    }

    private string AddNamespace(string prefix)
    {
        var name = $"{prefix}-{Environment.ProcessId}";
        using (var p = Process.Start(StartInfo(["ip", "netns", "add", name])))
        {
            p!.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"ip netns add {name} failed: {p.StandardError.ReadToEnd()}");
            }
        }

        _namespaces.Add(name);
        return name;
    }

    private static void Exec(string ns, params string[] command)
    {
        using var p = Process.Start(StartInfo(["nsenter", $"--net=/var/run/netns/{ns}", "--", .. command]))!;
        var errors = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} failed in {ns}: {errors}");
        }
    }

    private static async Task<string> RunAsync(string[] command, CancellationToken cancellationToken)
    {
        using var p = Process.Start(StartInfo(command))!;
        var output = p.StandardOutput.ReadToEndAsync(cancellationToken);
        _ = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return await output.ConfigureAwait(false);
    }

    private static ProcessStartInfo StartInfo(string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }
}

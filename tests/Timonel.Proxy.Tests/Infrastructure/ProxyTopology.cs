using System.Diagnostics;

namespace Timonel.Proxy.Tests.Infrastructure;

/// <summary>
/// A node in network namespaces: the "node" namespace (where the proxy programs nftables) holds
/// a pod bridge 10.42.0.1/24 with "endpoint" namespaces on veths, each running busybox httpd on
/// port 8080 that answers its own name (and /cgi-bin/ip the client address it saw) and a
/// ticker on port 9000 that streams a line every 200 ms; an "external" namespace reaches the
/// node address 192.168.77.1 over another veth. Everything is removed on dispose, processes
/// by PID.
/// </summary>
internal sealed class ProxyTopology : IDisposable
{
    public const string NodeIp = "192.168.77.1";
    public const string ExternalIp = "192.168.77.2";
    public const string Gateway = "10.42.0.1";

    private readonly List<Netns> _namespaces = [];
    private readonly List<Process> _processes = [];
    private readonly string _webRoot;

    private ProxyTopology(string webRoot)
    {
        _webRoot = webRoot;
    }

    public Netns Node { get; private set; } = null!;

    public Netns External { get; private set; } = null!;

    public IReadOnlyList<(string Name, string Ip, Netns Netns)> Endpoints => _endpoints;

    private readonly List<(string Name, string Ip, Netns Netns)> _endpoints = [];

    public static ProxyTopology Create(int endpoints)
    {
        var topology = new ProxyTopology(Directory.CreateTempSubdirectory("timonel-proxy-web-").FullName);
        try
        {
            topology.Build(endpoints);
            return topology;
        }
        catch
        {
            topology.Dispose();
            throw;
        }
    }

    private void Build(int endpoints)
    {
        Node = Add(Netns.Create("pxnode"));
        External = Add(Netns.Create("pxext"));
        Node.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
        Node.Exec("ip", "link", "add", "pxbr0", "type", "bridge");
        Node.Exec("ip", "addr", "add", $"{Gateway}/24", "dev", "pxbr0");
        Node.Exec("ip", "link", "set", "pxbr0", "up");
        Node.Exec("ip", "link", "add", "pxup", "type", "veth", "peer", "name", "eth0", "netns", External.Name);
        Node.Exec("ip", "addr", "add", $"{NodeIp}/24", "dev", "pxup");
        Node.Exec("ip", "link", "set", "pxup", "up");
        Node.Exec("ip", "route", "add", "default", "via", ExternalIp);
        External.Exec("ip", "addr", "add", $"{ExternalIp}/24", "dev", "eth0");
        External.Exec("ip", "link", "set", "eth0", "up");

        var ticker = Path.Combine(_webRoot, "ticker.sh");
        File.WriteAllText(ticker, "#!/bin/sh\nwhile true; do echo tick; sleep 0.2; done\n");
        Shell.Run("chmod", "755", ticker);
        for (var i = 1; i <= endpoints; i++)
        {
            AddEndpoint($"ep{i}", $"10.42.0.{10 + i}");
        }
    }

    public void AddEndpoint(string name, string ip)
    {
        var ns = Add(Netns.Create($"px{name}"));
        var hostSide = $"v{name}";
        Node.Exec("ip", "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", ns.Name);
        Node.Exec("ip", "link", "set", hostSide, "master", "pxbr0");
        Node.Exec("ip", "link", "set", hostSide, "type", "bridge_slave", "hairpin", "on");
        Node.Exec("ip", "link", "set", hostSide, "up");
        ns.Exec("ip", "addr", "add", $"{ip}/24", "dev", "eth0");
        ns.Exec("ip", "link", "set", "eth0", "up");
        ns.Exec("ip", "route", "add", "default", "via", Gateway);

        var root = Path.Combine(_webRoot, name);
        Directory.CreateDirectory(Path.Combine(root, "cgi-bin"));
        File.WriteAllText(Path.Combine(root, "index.html"), $"{name}\n");
        var cgi = Path.Combine(root, "cgi-bin", "ip");
        File.WriteAllText(cgi, "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n%s\\n' \"$REMOTE_ADDR\"\n");
        Shell.Run("chmod", "755", cgi);
        _processes.Add(Shell.Start(ns.Command("busybox", "httpd", "-f", "-p", "8080", "-h", root)));
        _processes.Add(Shell.Start(ns.Command("busybox", "nc", "-ll", "-p", "9000", "-e", Path.Combine(_webRoot, "ticker.sh"))));
        _endpoints.Add((name, ip, ns));
    }

    /// <summary>
    /// GETs a URL with curl from a namespace (busybox wget -T crashes on this machine); null when
    /// it failed (refused, timed out). httpd's IPv4-mapped client addresses come back plain.
    /// </summary>
    public static async Task<string?> GetAsync(Netns from, string url, int timeoutSeconds = 3)
    {
        var (code, output, _) = await Shell.TryRunAsync(TimeSpan.FromSeconds(timeoutSeconds + 2), from.Command("curl", "-sS", "-m", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), url));
        return code == 0 ? output.Trim().Replace("[::ffff:", "", StringComparison.Ordinal).TrimEnd(']') : null;
    }

    /// <summary>The nft listing of the node's table, or null when there is none.</summary>
    public string? ListTable()
    {
        var tables = Node.Exec("nft", "list", "tables");
        return tables.Contains("table ip timonel", StringComparison.Ordinal) ? Node.Exec("nft", "-a", "list", "table", "ip", "timonel") : null;
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            Shell.Stop(process);
        }

        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            try
            {
                ns.Dispose();
            }
            catch (InvalidOperationException)
            {
                // Keep removing the others.
            }
        }

        Directory.Delete(_webRoot, recursive: true);
    }

    private Netns Add(Netns ns)
    {
        _namespaces.Add(ns);
        return ns;
    }
}

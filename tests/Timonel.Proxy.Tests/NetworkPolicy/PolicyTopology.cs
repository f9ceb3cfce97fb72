using System.Diagnostics;
using System.Globalization;
using Timonel.Proxy.Tests.Infrastructure;

namespace Timonel.Proxy.Tests.NetworkPolicy;

/// <summary>
/// Two nodes in network namespaces, joined by a veth (192.168.79.1 and .2) and routing each
/// other's pod CIDR host-gw style (10.42.1.0/24 on node A, 10.42.2.0/24 on node B). Each node
/// has a CNI-like bridge whose first address is the pods' gateway; each pod is a namespace on a
/// veth of that bridge running busybox httpd on 8080 and 8081 (answering the pod's name) and a
/// ticker on 9000 that streams a line every 200 ms. Everything goes on dispose, processes by PID.
/// </summary>
internal sealed class PolicyTopology : IDisposable
{
    public const string NodeAIp = "192.168.79.1";
    public const string NodeBIp = "192.168.79.2";

    private readonly List<Netns> _namespaces = [];
    private readonly List<Process> _processes = [];
    private readonly Dictionary<string, (string Ip, Netns Netns)> _pods = new(StringComparer.Ordinal);
    private readonly string _webRoot;

    private PolicyTopology(string webRoot)
    {
        _webRoot = webRoot;
    }

    public Netns NodeA { get; private set; } = null!;

    public Netns NodeB { get; private set; } = null!;

    public static PolicyTopology Create()
    {
        var topology = new PolicyTopology(Directory.CreateTempSubdirectory("timonel-netpol-web-").FullName);
        try
        {
            topology.Build();
            return topology;
        }
        catch
        {
            topology.Dispose();
            throw;
        }
    }

    public string IpOf(string pod) => _pods[pod].Ip;

    public Netns NetnsOf(string pod) => _pods[pod].Netns;

    private void Build()
    {
        NodeA = Add(Netns.Create("npa"));
        NodeB = Add(Netns.Create("npb"));
        NodeA.Exec("ip", "link", "add", "nplink", "type", "veth", "peer", "name", "nplink", "netns", NodeB.Name);
        foreach (var (node, ip, cidr, other, otherCidr) in new[] { (NodeA, NodeAIp, "10.42.1", NodeBIp, "10.42.2"), (NodeB, NodeBIp, "10.42.2", NodeAIp, "10.42.1") })
        {
            node.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
            node.Exec("ip", "addr", "add", $"{ip}/24", "dev", "nplink");
            node.Exec("ip", "link", "set", "nplink", "up");
            node.Exec("ip", "link", "add", "npbr0", "type", "bridge");
            node.Exec("ip", "addr", "add", $"{cidr}.1/24", "dev", "npbr0");
            node.Exec("ip", "link", "set", "npbr0", "up");
            node.Exec("ip", "route", "add", $"{otherCidr}.0/24", "via", other);
        }

        var ticker = Path.Combine(_webRoot, "ticker.sh");
        File.WriteAllText(ticker, "#!/bin/sh\nwhile true; do echo tick; sleep 0.2; done\n");
        Shell.Run("chmod", "755", ticker);
        foreach (var (name, number) in new[] { ("a1", 11), ("a2", 12), ("a3", 13), ("a4", 14) })
        {
            AddPod(NodeA, name, $"10.42.1.{number.ToString(CultureInfo.InvariantCulture)}");
        }

        foreach (var (name, number) in new[] { ("b1", 11), ("b2", 12) })
        {
            AddPod(NodeB, name, $"10.42.2.{number.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private void AddPod(Netns node, string name, string ip)
    {
        var ns = Add(Netns.Create($"np{name}"));
        var hostSide = $"vnp{name}";
        var gateway = ip[..ip.LastIndexOf('.')] + ".1";
        node.Exec("ip", "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", ns.Name);
        node.Exec("ip", "link", "set", hostSide, "master", "npbr0");
        node.Exec("ip", "link", "set", hostSide, "type", "bridge_slave", "hairpin", "on");
        node.Exec("ip", "link", "set", hostSide, "up");
        ns.Exec("ip", "addr", "add", $"{ip}/24", "dev", "eth0");
        ns.Exec("ip", "link", "set", "eth0", "up");
        ns.Exec("ip", "route", "add", "default", "via", gateway);

        var root = Path.Combine(_webRoot, name);
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "index.html"), $"{name}\n");
        _processes.Add(Shell.Start(ns.Command("busybox", "httpd", "-f", "-p", "8080", "-h", root)));
        _processes.Add(Shell.Start(ns.Command("busybox", "httpd", "-f", "-p", "8081", "-h", root)));
        _processes.Add(Shell.Start(ns.Command("busybox", "nc", "-ll", "-p", "9000", "-e", Path.Combine(_webRoot, "ticker.sh"))));
        _pods[name] = (ip, ns);
    }

    /// <summary>GETs http://IP:PORT/ from a namespace; the answer (the pod's name), or null when none came within the timeout.</summary>
    public static async Task<string?> GetAsync(Netns from, string ip, int port, int timeoutSeconds = 2)
    {
        var seconds = timeoutSeconds.ToString(CultureInfo.InvariantCulture);
        var (code, output, _) = await Shell.TryRunAsync(TimeSpan.FromSeconds(timeoutSeconds + 5), from.Command("curl", "-sS", "--connect-timeout", seconds, "-m", seconds, $"http://{ip}:{port.ToString(CultureInfo.InvariantCulture)}/"));
        return code == 0 ? output.Trim() : null;
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

using System.Net;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// Machines without leaving the machine: a "switch" network namespace holding a bridge, and one
/// network namespace per host, each joined to the bridge by a veth pair (eth0 inside the host).
/// Every interface is created directly inside a test namespace, never in the machine's own, so
/// names cannot clash with other runs and nothing reaches the machine's interfaces. Disposing
/// deletes the namespaces, which takes their veths and the bridge with them; stop the processes
/// running inside first.
/// </summary>
public sealed class NetworkTopology : IAsyncDisposable
{
    private const string BridgeName = "br0";
    private readonly List<NetworkHost> hosts = [];

    private NetworkTopology(string prefix, NetworkHost networkSwitch, int prefixLength)
    {
        Prefix = prefix;
        Switch = networkSwitch;
        PrefixLength = prefixLength;
    }

    /// <summary>Start of every namespace name of this topology (unique per run).</summary>
    public string Prefix { get; }

    /// <summary>The namespace holding the bridge all hosts are plugged into.</summary>
    public NetworkHost Switch { get; }

    /// <summary>Prefix length of the hosts' shared subnet.</summary>
    public int PrefixLength { get; }

    public IReadOnlyList<NetworkHost> Hosts => hosts;

    /// <summary>Creates the switch namespace and its bridge.</summary>
    public static async Task<NetworkTopology> CreateAsync(string name, int prefixLength = 24)
    {
        var prefix = $"{name}-{Environment.ProcessId}-{Random.Shared.Next(1000, 9999)}";
        var networkSwitch = await NetworkHost.CreateNamespaceAsync($"{prefix}-sw", address: null);
        var topology = new NetworkTopology(prefix, networkSwitch, prefixLength);
        try
        {
            await networkSwitch.CheckAsync("ip", "link", "add", BridgeName, "type", "bridge");
            await networkSwitch.CheckAsync("ip", "link", "set", BridgeName, "up");
            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new host namespace plugged into the switch, with <paramref name="address"/> on its eth0.</summary>
    public async Task<NetworkHost> AddHostAsync(string name, IPAddress address)
    {
        var host = await NetworkHost.CreateNamespaceAsync($"{Prefix}-{name}", address);
        hosts.Add(host);
        // The switch port is named after the host's index: interface names hold at most 15 characters.
        var port = $"port{hosts.Count}";
        await HostCommand.CheckAsync("ip", "-n", Switch.Name, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", host.Name);
        await Switch.CheckAsync("ip", "link", "set", port, "master", BridgeName, "up");
        await host.CheckAsync("ip", "addr", "add", $"{address}/{PrefixLength}", "dev", "eth0");
        await host.CheckAsync("ip", "link", "set", "eth0", "up");
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in hosts.AsEnumerable().Reverse())
        {
            await host.DeleteNamespaceAsync();
        }

        await Switch.DeleteNamespaceAsync();
    }
}

/// <summary>One simulated machine: a network namespace the test made, and its address on the switch.</summary>
public sealed class NetworkHost
{
    private NetworkHost(string name, IPAddress? address)
    {
        Name = name;
        Address = address;
    }

    /// <summary>The namespace name (ip netns).</summary>
    public string Name { get; }

    public string NetnsPath => $"/var/run/netns/{Name}";

    /// <summary>The host's address on the switch (null for the switch itself).</summary>
    public IPAddress? Address { get; }

    internal static async Task<NetworkHost> CreateNamespaceAsync(string name, IPAddress? address)
    {
        await HostCommand.CheckAsync("ip", "netns", "add", name);
        var host = new NetworkHost(name, address);
        await host.CheckAsync("ip", "link", "set", "lo", "up");
        return host;
    }

    /// <summary>Runs a command inside this host's network (nsenter --net keeps /sys and the cgroup mounts as they are).</summary>
    public Task<HostCommandResult> ExecAsync(params string[] command) => HostCommand.RunAsync(["nsenter", $"--net={NetnsPath}", "--", .. command]);

    public Task<HostCommandResult> ExecAsync(TimeSpan timeout, params string[] command) => HostCommand.RunAsync(["nsenter", $"--net={NetnsPath}", "--", .. command], timeout);

    public Task<string> CheckAsync(params string[] command) => HostCommand.CheckAsync(["nsenter", $"--net={NetnsPath}", "--", .. command]);

    internal async Task DeleteNamespaceAsync()
    {
        if (File.Exists(NetnsPath))
        {
            await HostCommand.RunAsync(["ip", "netns", "delete", Name]);
        }
    }
}

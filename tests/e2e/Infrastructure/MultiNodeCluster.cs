using System.Globalization;
using System.Net;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// A cluster of simulated machines on one machine: a control-plane namespace running
/// `./timonel server --bind-address 0.0.0.0 --disable-agent` (API server, controller manager,
/// scheduler) on port 6443, and <see cref="NodeCount"/> node namespaces each running
/// `./timonel agent` with its own containerd, all joined by the bridge of a
/// <see cref="NetworkTopology"/>. kubectl runs inside the control-plane namespace, where the
/// kubeconfig's 127.0.0.1 is the server. One instance per test class; torn down completely.
/// </summary>
public abstract class MultiNodeCluster : IAsyncLifetime
{
    public const int ApiPort = 6443;

    private static readonly TimeSpan NodesReadyTimeout = TimeSpan.FromSeconds(90);

    private readonly List<AgentProcess> agents = [];
    private NetworkTopology? topology;
    private TimonelServer? server;
    private IReadOnlyList<string> joinArgs = [];

    /// <summary>Why the fixture cannot run here (not root, packages missing), or null.</summary>
    public static string? SkipReason =>
        !OperatingSystem.IsLinux() || Environment.UserName != "root" ? "needs root on Linux (network namespaces, containerd, cgroups)"
        : Kubelet.Runtime.MachineRequirements.Missing("/usr/lib/cni") is { Count: > 0 } missing ? $"needs {string.Join(", ", missing)}: {Kubelet.Runtime.MachineRequirements.InstallHint}"
        : null;

    /// <summary>How many node agents this cluster runs (node-1 … node-N).</summary>
    protected abstract int NodeCount { get; }

    /// <summary>Extra `timonel server` flags.</summary>
    protected virtual IReadOnlyList<string> ServerArgs => [];

    /// <summary>Extra `timonel agent` flags, given to every agent.</summary>
    protected virtual IReadOnlyList<string> AgentArgs => [];

    /// <summary>
    /// Flags that need the running control plane (e.g. a credential made through the API), given to
    /// every agent after <see cref="AgentArgs"/>; called once the server answers, before any agent starts.
    /// </summary>
    protected virtual Task<IReadOnlyList<string>> AgentArgsFromServerAsync() => Task.FromResult<IReadOnlyList<string>>([]);

    public NetworkTopology Topology => topology ?? throw new InvalidOperationException("The fixture is not initialized");

    public TimonelServer Server => server ?? throw new InvalidOperationException("The fixture is not initialized");

    /// <summary>The control-plane host (10.98.0.1).</summary>
    public NetworkHost ControlPlane { get; private set; } = null!;

    public IReadOnlyList<AgentProcess> Agents => agents;

    /// <summary>kubectl 1.33 run inside the control-plane namespace.</summary>
    public Kubectl Kubectl { get; private set; } = null!;

    public Uri ServerUrl => new($"https://{ControlPlane.Address}:{ApiPort}");

    public AgentProcess Agent(string nodeName) => agents.Single(a => a.NodeName == nodeName);

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        try
        {
            topology = await NetworkTopology.CreateAsync("tmn");
            ControlPlane = await topology.AddHostAsync("cp", IPAddress.Parse("10.98.0.1"));
            var nodeHosts = new List<NetworkHost>();
            for (var i = 1; i <= NodeCount; i++)
            {
                nodeHosts.Add(await topology.AddHostAsync($"n{i}", IPAddress.Parse($"10.98.0.{10 + i}")));
            }

            server = await TimonelServer.StartAsync(
                ["--bind-address", "0.0.0.0", "--tls-san", ControlPlane.Address!.ToString(), .. ServerArgs],
                ControlPlane.NetnsPath,
                ApiPort,
                CancellationToken.None);
            Kubectl = new Kubectl(KubectlBinary.Latest, server.KubeconfigPath, Path.Combine(server.RootDir, "home"), ControlPlane.NetnsPath);
            var caFile = Path.Combine(server.DataDir, "tls", "server-ca.crt");
            var fromServer = await AgentArgsFromServerAsync();
            joinArgs = ["--ca-file", caFile, .. AgentArgs, .. fromServer];
            for (var i = 0; i < nodeHosts.Count; i++)
            {
                agents.Add(await AgentProcess.StartAsync($"node-{i + 1}", nodeHosts[i], ServerUrl, server.JoinToken, joinArgs));
            }

            await WaitForNodesReadyAsync(agents.Select(a => a.NodeName).ToList(), NodesReadyTimeout);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A machine that joins later (a node group's new node): a new host of the topology at
    /// <paramref name="address"/> running an agent named <paramref name="nodeName"/> with the
    /// join token; stopped and swept with the others at teardown.
    /// </summary>
    public async Task<AgentProcess> JoinAgentAsync(string nodeName, string hostName, IPAddress address)
    {
        var host = await Topology.AddHostAsync(hostName, address);
        var agent = await AgentProcess.StartAsync(nodeName, host, ServerUrl, Server.JoinToken, joinArgs);
        agents.Add(agent);
        return agent;
    }

    /// <summary>Waits until every named Node reports Ready=True; the message shows the agents' logs otherwise.</summary>
    public async Task WaitForNodesReadyAsync(IReadOnlyList<string> names, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            var result = await Kubectl.RunAsync("get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}");
            last = result.ToString();
            var ready = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.EndsWith("=True", StringComparison.Ordinal)).Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]).ToHashSet();
            if (names.All(ready.Contains))
            {
                return;
            }

            if (agents.FirstOrDefault(a => !a.IsRunning) is { } dead)
            {
                throw new InvalidOperationException($"agent {dead.NodeName} exited:\n{dead.LogTail()}");
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"nodes {string.Join(", ", names)} not Ready within {timeout}\n{last}\n{string.Join("\n", agents.Select(a => $"--- {a.NodeName}\n{a.LogTail()}"))}\n--- server\n{server?.LogTail()}");
    }

    /// <summary>
    /// An HTTP GET whose connection starts inside the network namespace at <paramref name="netnsPath"/>
    /// (a host of the topology, or a pod's /proc/PID/ns/net); the body, or null when it failed.
    /// </summary>
    public static async Task<string?> HttpGetAsync(string netnsPath, string url)
    {
        using var http = new Kubelet.Network.NodeNetwork(netnsPath).CreateHttpClient(TimeSpan.FromSeconds(3));
        try
        {
            return await http.GetStringAsync(new Uri(url));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }

    public async Task DisposeAsync()
    {
        // Graceful first, bounded: pods deleted while their agents still run leave nothing behind.
        if (server is not null && Kubectl is not null && agents.Any(a => a.IsRunning))
        {
            try
            {
                await Kubectl.RunAsync(["delete", "deployments,replicasets,daemonsets,statefulsets,jobs", "--all", "-A", "--wait=false"], stdin: null, timeout: TimeSpan.FromSeconds(20));
                await Kubectl.RunAsync(["delete", "pods", "--all", "-A", "--grace-period=1", "--timeout=30s"], stdin: null, timeout: TimeSpan.FromSeconds(40));
            }
            catch (TimeoutException)
            {
                // The leftover sweep below removes what the agents did not.
            }
        }

        foreach (var agent in agents)
        {
            await agent.StopAsync();
        }

        if (server is not null)
        {
            await server.DisposeAsync();
        }

        foreach (var agent in agents)
        {
            await agent.DisposeAsync();
        }

        if (topology is not null)
        {
            await topology.DisposeAsync();
        }
    }

    /// <summary>Pod IP and node of every pod in <paramref name="ns"/> matching <paramref name="selector"/> (name → (ip, node)).</summary>
    public async Task<IReadOnlyDictionary<string, (string Ip, string Node, string Phase)>> PodsAsync(string ns, string selector)
    {
        var result = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", ns, "get", "pods", "-l", selector, "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.podIP} {.spec.nodeName} {.status.phase}{\"\\n\"}{end}"));
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .ToDictionary(p => p[0], p => (p[1], p[2], p[3]));
    }

    /// <summary>Prints a node's InternalIP-derived host, for messages.</summary>
    public override string ToString() => string.Join(", ", agents.Select(a => $"{a.NodeName}@{a.Host.Address}")) + string.Create(CultureInfo.InvariantCulture, $" api {ServerUrl}");
}

/// <summary>The control plane and one node agent.</summary>
public sealed class SingleNodeCluster : MultiNodeCluster
{
    protected override int NodeCount => 1;
}

/// <summary>The control plane and two node agents.</summary>
public sealed class TwoNodeCluster : MultiNodeCluster
{
    protected override int NodeCount => 2;
}

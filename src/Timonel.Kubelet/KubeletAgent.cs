using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Dns.Hosting;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Network;
using Timonel.Kubelet.Node;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Runtime;

namespace Timonel.Kubelet;

/// <summary>
/// One node agent: checks the machine, registers the Node (with its podCIDR), writes the CNI
/// config, starts its own containerd, imports the pause image and DATA_DIR/agent/images/*.tar,
/// then heartbeats and runs the pods bound to the node. Disposing stops the agent and its
/// containerd but leaves containers running; the next start adopts them.
/// </summary>
public sealed partial class KubeletAgent : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ContainerdSupervisor _containerd;
    private readonly PodManager _pods;
    private readonly Task _heartbeat;
    private readonly NodeDnsService? _dns;
    private int _disposed;

    private KubeletAgent(KubeletOptions options, V1Node node, ContainerdSupervisor containerd, CriClient cri, PodManager pods, NodeHeartbeat heartbeat, NodeDnsService? dns)
    {
        _dns = dns;
        Options = options;
        Node = node;
        _containerd = containerd;
        Cri = cri;
        _pods = pods;
        _heartbeat = Task.Run(() => heartbeat.RunAsync(_stop.Token));
    }

    public KubeletOptions Options { get; }

    /// <summary>The Node as registered (spec.podCIDR set).</summary>
    public V1Node Node { get; }

    public string PodCidr => Node.Spec.PodCIDR;

    /// <summary>The CRI client of the agent's containerd.</summary>
    public CriClient Cri { get; }

    public string ContainerdSocket => _containerd.SocketPath;

    public int ContainerdPid => _containerd.Pid;

    /// <summary>The node's cluster DNS server (null when <see cref="KubeletOptions.DnsPort"/> is null).</summary>
    public NodeDnsService? Dns => _dns;

    public static async Task<KubeletAgent> StartAsync(KubeletOptions options, IKubernetes client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var log = loggers.CreateLogger("kubelet");
        MachineRequirements.Check(options.CniBinDir);
        var paths = new ContainerdPaths(options.AgentDir);
        var machine = MachineInfo.Read(options.DataDir);
        var pause = await PauseImage.EnsureArchiveAsync(Path.Combine(options.AgentDir, "pause"), cancellationToken).ConfigureAwait(false);

        var node = await new NodeRegistrar(client, options).RegisterAsync(machine, cancellationToken).ConfigureAwait(false);
        CniConfig.Write(paths.CniConfDir, node.Spec.PodCIDR, options.BridgeName, paths.CniDataDir);
        LogRegistered(log, options.NodeName, node.Spec.PodCIDR);

        var cgroups = CgroupLayout.Detect();
        var config = ContainerdConfig.Render(paths, cgroups, PauseImage.Reference, options.CniBinDir);
        var containerd = new ContainerdSupervisor(paths, config, options.NetworkNamespace, loggers.CreateLogger("containerd"));
        CriClient? cri = null;
        try
        {
            await containerd.StartAsync(cancellationToken).ConfigureAwait(false);
            var importer = new ImageImporter(paths.Socket, Path.Combine(options.AgentDir, "images-imported.json"), loggers.CreateLogger("images"));
            Directory.CreateDirectory(paths.ImagesDir);
            await importer.ImportDirectoryAsync(Path.GetDirectoryName(pause)!, cancellationToken).ConfigureAwait(false);
            await importer.ImportDirectoryAsync(paths.ImagesDir, cancellationToken).ConfigureAwait(false);

            cri = new CriClient(paths.Socket);
            // The import record survives a wiped containerd root; the sandbox image must not go missing.
            var pauseStatus = await cri.Images.ImageStatusAsync(new Cri.V1.ImageStatusRequest { Image = new Cri.V1.ImageSpec { Image = PauseImage.Reference } }, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (pauseStatus.Image is null)
            {
                await importer.ImportAsync(pause, cancellationToken).ConfigureAwait(false);
            }

            var time = TimeProvider.System;
            var heartbeat = new NodeHeartbeat(client, cri, options, machine, time, loggers.CreateLogger("kubelet.node"));
            await heartbeat.PostStatusAsync(force: true, cancellationToken).ConfigureAwait(false);
            var runtime = new PodRuntime(cri, client, new Prober(cri, new NodeNetwork(options.NetworkNamespace)), new EnvResolver(client), options, cgroups, time, options.NodeIp.ToString(), paths.PodLogs);
            var pods = new PodManager(runtime, loggers);
            await pods.StartAsync(cancellationToken).ConfigureAwait(false);
            var dns = options.DnsPort is { } dnsPort
                ? NodeDnsService.Start(client, new NodeDnsOptions
                {
                    NodeName = options.NodeName,
                    ListenAddress = options.NodeIp,
                    Port = dnsPort,
                    Cluster = new Dns.ClusterDnsOptions { ClusterDomain = options.ClusterDomain },
                    ResolvConfPath = options.ResolvConf,
                    Sockets = new NodeNetwork(options.NetworkNamespace).CreateSocketAsync,
                }, loggers)
                : null;
            return new KubeletAgent(options, node, containerd, cri, pods, heartbeat, dns);
        }
        catch
        {
            cri?.Dispose();
            await containerd.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_dns is not null)
        {
            // First, while the API is reachable: its EndpointSlice goes with it.
            await _dns.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await _heartbeat.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The heartbeat ends by cancellation; stopping must go on to containerd regardless.
        }

        try
        {
            await _pods.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            Cri.Dispose();
            await _containerd.DisposeAsync().ConfigureAwait(false);
            _stop.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node} registered, podCIDR {Cidr}")]
    private static partial void LogRegistered(ILogger log, string node, string cidr);
}

using Timonel.Api.Images;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Events;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Network;
using Timonel.Kubelet.Node;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Runtime;
using Timonel.Kubelet.Server;
using Timonel.Kubelet.Stats;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet;

/// <summary>
/// One node agent: checks the machine, registers the Node (with its podCIDR), writes the CNI
/// config, starts its own containerd, imports the pause image and DATA_DIR/agent/images/*.tar,
/// then heartbeats and runs the pods bound to the node. The node's DNS server and service proxy
/// run beside it (Timonel.Cli's NodeAgent composes the three). Disposing stops the agent and its
/// containerd but leaves containers running; the next start adopts them.
/// </summary>
public sealed partial class KubeletAgent : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ContainerdSupervisor _containerd;
    private readonly PodManager _pods;
    private readonly EventRecorder _events;
    private readonly LocalPathReclaimer _reclaimer;
    private readonly NodeRoutes _routes;
    private readonly Task _heartbeat;
    private readonly KubeletServer _server;
    private readonly Task _logRotation;
    private readonly Task _imageGc;
    private readonly Task _diskPressure;
    private int _disposed;

    private KubeletAgent(KubeletOptions options, V1Node node, ContainerdSupervisor containerd, CriClient cri, PodManager pods, NodeRoutes routes, NodeHeartbeat heartbeat, EventRecorder events, LocalPathReclaimer reclaimer, KubeletServer server, ContainerLogRotator rotator, ImageGcManager imageGc, DiskPressureMonitor diskPressure)
    {
        ImageGc = imageGc;
        DiskPressure = diskPressure;
        _routes = routes;
        _events = events;
        _reclaimer = reclaimer;
        Options = options;
        Node = node;
        _containerd = containerd;
        Cri = cri;
        _pods = pods;
        _server = server;
        _heartbeat = Task.Run(() => heartbeat.RunAsync(_stop.Token));
        _logRotation = Task.Run(() => rotator.RunAsync(_stop.Token));
        _imageGc = Task.Run(() => imageGc.RunAsync(_stop.Token));
        _diskPressure = Task.Run(() => diskPressure.RunAsync(_stop.Token));
    }

    /// <summary>The node's image garbage collection (runs every --image-gc period).</summary>
    public ImageGcManager ImageGc { get; }

    /// <summary>The node's disk pressure: the DiskPressure condition, image reclaim and pod eviction.</summary>
    public DiskPressureMonitor DiskPressure { get; }

    /// <summary>The port of the kubelet's HTTPS server (logs, exec, attach, port-forward, stats, resource metrics).</summary>
    public int ServerPort => _server.Port;

    public KubeletOptions Options { get; }

    /// <summary>The Node as registered (spec.podCIDR set).</summary>
    public V1Node Node { get; }

    public string PodCidr => Node.Spec.PodCIDR;

    /// <summary>The CRI client of the agent's containerd.</summary>
    public CriClient Cri { get; }

    public string ContainerdSocket => _containerd.SocketPath;

    public int ContainerdPid => _containerd.Pid;

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
        var registries = options.Registries ?? RegistriesConfig.Empty;
        ContainerdRegistryConfig.WriteHostsDir(ContainerdRegistryConfig.HostsDir(paths), registries);
        var config = ContainerdConfig.Render(paths, cgroups, PauseImage.Reference, options.CniBinDir, registries);
        var containerd = new ContainerdSupervisor(paths, config, options.NetworkNamespace, loggers.CreateLogger("containerd"));
        CriClient? cri = null;
        EventRecorder? events = null;
        KubeletServer? server = null;
        NodeRoutes? routes = null;
        try
        {
            await containerd.StartAsync(cancellationToken).ConfigureAwait(false);
            var importRecord = Path.Combine(options.AgentDir, "images-imported.json");
            var importer = new ImageImporter(paths.Socket, importRecord, loggers.CreateLogger("images"));
            Directory.CreateDirectory(paths.ImagesDir);
            await importer.ImportDirectoryAsync(Path.GetDirectoryName(pause)!, cancellationToken).ConfigureAwait(false);
            await importer.ImportDirectoryAsync(paths.ImagesDir, cancellationToken).ConfigureAwait(false);

            // What the node imports it never pulls (CRI pinned images, as k3s's airgap images).
            var pinned = new PinnedImages(importRecord, PauseImage.Reference);

            cri = new CriClient(paths.Socket);
            // The import record survives a wiped containerd root; the sandbox image must not go missing.
            var pauseStatus = await cri.Images.ImageStatusAsync(new Cri.V1.ImageStatusRequest { Image = new Cri.V1.ImageSpec { Image = PauseImage.Reference } }, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (pauseStatus.Image is null)
            {
                await importer.ImportAsync(pause, cancellationToken).ConfigureAwait(false);
            }

            var time = TimeProvider.System;
            events = new EventRecorder(client, "kubelet", options.NodeName, loggers.CreateLogger("kubelet.events"), time);
            NodeEvents.Starting(events, options.NodeName);
            var nodeEvents = events;
            var fs = options.FilesystemStats ?? new StatfsFilesystemStats(paths.Root, options.DataDir);
            var imageGc = new ImageGcManager(cri, cri, pinned, fs, options.ImageGc, time, loggers.CreateLogger("kubelet.imagegc"), (type, reason, message) => nodeEvents.Event(NodeEvents.Reference(options.NodeName), type, reason, message), ImageUsageFile.PathIn(options.AgentDir));
            PodManager? podManager = null;
            var diskPressure = new DiskPressureMonitor(
                fs, imageGc, options.DiskEviction, time, loggers.CreateLogger("kubelet.eviction"),
                () => podManager?.Pods() ?? [],
                pod => EmptyDirLimits.DiskUsage(Path.Combine(options.PodsDir, pod.Metadata.Uid)) + EmptyDirLimits.DiskUsage(RuntimeConfigBuilder.LogDirectory(pod, paths.PodLogs)),
                (pod, message) => podManager?.Evict(pod, message));
            var heartbeat = new NodeHeartbeat(client, cri, options, machine, time, loggers.CreateLogger("kubelet.node"), events) { DiskPressure = () => diskPressure.UnderPressure };
            await heartbeat.PostStatusAsync(force: true, cancellationToken).ConfigureAwait(false);
            var allocatable = NodeAllocatable.From(NodeStatusBuilder.Capacity(machine));
            var runtime = new PodRuntime(cri, client, new Prober(cri, new NodeNetwork(options.NetworkNamespace)), new EnvResolver(client), options, cgroups, time, options.NodeIp.ToString(), paths.PodLogs)
            {
                Volumes = new VolumeManager(client, options.PodsDir, options.VolumeResyncInterval, time, loggers.CreateLogger("kubelet.volumes")),
                Events = events,
                PinnedImages = pinned,
                Ingests = cri.Ingests,
                // What the heartbeat reports as allocatable; the registered Node carried no status yet, so
                // reading it made every resize fit (found by the real-containerd resize test).
                Allocations = new ResourceAllocations(() => allocatable),
            };
            routes = await StartRoutesAsync(client, options, node.Spec.PodCIDR, loggers, cancellationToken).ConfigureAwait(false);
            var pods = new PodManager(runtime, loggers);
            podManager = pods;
            await pods.StartAsync(cancellationToken).ConfigureAwait(false);
            var reclaimer = new LocalPathReclaimer(client, options.NodeName, loggers, time);
            reclaimer.Start();
            var stats = new StatsCollector(options.NodeName, cri, new CgroupNodeUsage(cgroups, time));
            server = await KubeletServer.StartAsync(options, cri, stats, client, new NodeNetwork(options.NetworkNamespace), loggers, time, cancellationToken).ConfigureAwait(false);
            var rotator = new ContainerLogRotator(cri, options, time, loggers.CreateLogger("kubelet.logs"));
            return new KubeletAgent(options, node, containerd, cri, pods, routes, heartbeat, events, reclaimer, server, rotator, imageGc, diskPressure);
        }
        catch
        {
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            if (events is not null)
            {
                await events.DisposeAsync().ConfigureAwait(false);
            }

            if (routes is not null)
            {
                await routes.DisposeAsync().ConfigureAwait(false);
            }

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
        await _server.DisposeAsync().ConfigureAwait(false);
        // Routes stay in the kernel: pods on other nodes stay reachable while the agent restarts.
        await _routes.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _heartbeat.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The heartbeat ends by cancellation; stopping must go on to containerd regardless.
        }

        foreach (var loop in new[] { _logRotation, _imageGc, _diskPressure })
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ends by cancellation too.
            }
        }

        try
        {
            await _reclaimer.DisposeAsync().ConfigureAwait(false);
            await _pods.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await _events.DisposeAsync().ConfigureAwait(false);
            Cri.Dispose();
            await _containerd.DisposeAsync().ConfigureAwait(false);
            _stop.Dispose();
        }
    }

    /// <summary>
    /// Pod networking across nodes, host-gw style (docs/networking.md): forwarding on, pod traffic
    /// leaving the cluster CIDR masqueraded, and a route to every other node's podCIDR. A machine
    /// where that cannot be set up still runs pods, with node-local networking only.
    /// </summary>
    private static async Task<NodeRoutes> StartRoutesAsync(IKubernetes client, KubeletOptions options, string podCidr, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var log = loggers.CreateLogger("kubelet.routes");
        var table = new IpRouteTable(options.NetworkNamespace);
        try
        {
            await table.EnsureForwardingAsync(podCidr, options.ClusterCidr, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            LogNoForwarding(log, e.Message);
        }

        var routes = new NodeRoutes(client, table, options.NodeName, loggers);
        await routes.StartAsync(cancellationToken).ConfigureAwait(false);
        return routes;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "pod traffic to other nodes may not work: forwarding and masquerade not set up: {Reason}")]
    private static partial void LogNoForwarding(ILogger log, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node} registered, podCIDR {Cidr}")]
    private static partial void LogRegistered(ILogger log, string node, string cidr);
}

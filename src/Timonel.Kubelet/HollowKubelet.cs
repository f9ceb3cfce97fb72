using System.Net;
using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Client.Events;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Network;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Runtime;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet;

/// <summary>
/// The kubelet's pod managers over an <see cref="InMemoryContainerRuntime"/> (kubemark's hollow
/// node): the real pod workers, syncer, status, probe and eviction managers run for the pods
/// bound to <c>NodeName</c>, but no container executes. It neither registers nor heartbeats the
/// node — whoever simulates the node does.
/// </summary>
public sealed class HollowKubelet : IAsyncDisposable
{
    private readonly PodManager _pods;
    private readonly EventRecorder _events;
    private readonly string? _dataDir;

    private HollowKubelet(InMemoryContainerRuntime runtime, PodManager pods, EventRecorder events, string? dataDir)
    {
        Runtime = runtime;
        _pods = pods;
        _events = events;
        _dataDir = dataDir;
    }

    /// <summary>The runtime the node's pods "run" in: drive container exits and sandbox deaths through it.</summary>
    public InMemoryContainerRuntime Runtime { get; }

    /// <summary>The number of pods with a live worker.</summary>
    public int WorkerCount => _pods.WorkerCount;

    /// <param name="dataDir">Where the pods' volume and log directories go (removed on dispose).</param>
    public static Task<HollowKubelet> StartAsync(IKubernetes client, string nodeName, IPAddress nodeIp, string dataDir, ILoggerFactory loggers, TimeProvider? time = null, CancellationToken cancellationToken = default) =>
        StartAsync(client, new HollowKubeletOptions { NodeName = nodeName, NodeIp = nodeIp, DataDir = dataDir }, loggers, time, cancellationToken);

    public static async Task<HollowKubelet> StartAsync(IKubernetes client, HollowKubeletOptions hollow, ILoggerFactory loggers, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        time ??= TimeProvider.System;
        var keepsFiles = hollow.DataDir is not null;

        // Without files, the paths below are only computed, never created (nothing checks they exist).
        var dataDir = hollow.DataDir ?? Path.Combine(Path.GetTempPath(), "timonel-hollow-keeps-no-files");
        var options = new KubeletOptions { DataDir = dataDir, NodeName = hollow.NodeName, NodeIp = hollow.NodeIp, DnsPort = null, RelistInterval = hollow.RelistInterval };
        var runtime = hollow.Runtime ?? new InMemoryContainerRuntime(time);
        var events = new EventRecorder(client, "kubelet", hollow.NodeName, loggers.CreateLogger("kubelet.events"), time);
        var podRuntime = new PodRuntime(
            runtime,
            client,
            new Prober(runtime, new NodeNetwork(null)) { DialsNothing = !keepsFiles },
            new EnvResolver(client) { ServiceVariables = keepsFiles },
            options,

            // A cgroup root of its own: the pod terminator's cgroup cleanup touches nothing real.
            new CgroupLayout(CgroupVersion.V2, Systemd: false, Path.Combine(dataDir, "cgroup")),
            time,
            hollow.NodeIp.ToString(),
            Path.Combine(options.AgentDir, "logs"))
        {
            Volumes = new VolumeManager(client, options.PodsDir, options.VolumeResyncInterval, time, loggers.CreateLogger("kubelet.volumes")) { SetsUpNothing = !keepsFiles },
            Events = events,
            CreatesLogDirectories = keepsFiles,
        };
        var pods = hollow.Pods is { } source ? new PodManager(podRuntime, loggers, source) : new PodManager(podRuntime, loggers);
        try
        {
            await pods.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await pods.DisposeAsync().ConfigureAwait(false);
            await events.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new HollowKubelet(runtime, pods, events, hollow.DataDir);
    }

    /// <summary>Syncs the pod now rather than at its next relist (the runtime changed under it).</summary>
    public void Wake(string podUid) => _pods.Wake(podUid);

    /// <summary>Stops the pod workers; the runtime's containers stay, as a stopped kubelet leaves them.</summary>
    public async ValueTask DisposeAsync()
    {
        await _pods.DisposeAsync().ConfigureAwait(false);
        await _events.DisposeAsync().ConfigureAwait(false);
        if (_dataDir is null)
        {
            return;
        }

        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

using System.Net;
using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Simulator;

/// <summary>
/// One simulated node's kubelet: the real pod managers (<see cref="HollowKubelet"/>) over an
/// in-memory runtime that outlives them. A stopped kubelet (lost heartbeat) leaves its
/// containers in the runtime; the next one adopts them, as a restarted agent does.
/// </summary>
internal sealed class HollowNode : IAsyncDisposable
{
    private readonly string _name;
    private readonly IKubernetes _client;
    private readonly PodDispatcher _pods;
    private readonly PodIpAllocator _ips;
    private readonly NodeSimulatorOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private readonly InMemoryContainerRuntime _runtime;
    private HollowKubelet? _kubelet;
    private string? _podCidr;
    private string? _hostIp;

    public HollowNode(string name, IKubernetes client, PodDispatcher pods, PodIpAllocator ips, NodeSimulatorOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        _name = name;
        _client = client;
        _pods = pods;
        _ips = ips;
        _options = options;
        _loggers = loggers;
        _time = time;
        _runtime = new InMemoryContainerRuntime(time)
        {
            SandboxIps = AllocateIp,
            SandboxRemoved = sandbox => _ips.Release(sandbox.Metadata.Uid),
            Exits = (sandbox, container) => SimulatedContainers.ExitOf(_pods, sandbox, container),
            ContainerExited = uid => Volatile.Read(ref _kubelet)?.Wake(uid),
            ExecAnswers = SimulatedContainers.ExecAnswer,
        };
    }

    /// <summary>
    /// Runs the kubelet with the node's current subnet and address, restarting it when they
    /// changed (the node's InternalIP follows its podCIDR); with <paramref name="run"/> false stops it.
    /// Called by one worker at a time for a node.
    /// </summary>
    public async Task SyncAsync(bool run, string? podCidr, CancellationToken cancellationToken)
    {
        var hostIp = FakeAddresses.NodeInternalIp(_name, podCidr);
        if (run && _kubelet is not null && _hostIp == hostIp && _podCidr == podCidr)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        if (!run)
        {
            return;
        }

        Volatile.Write(ref _podCidr, podCidr);
        _hostIp = hostIp;
        var kubelet = await HollowKubelet.StartAsync(
            _client,
            new HollowKubeletOptions
            {
                NodeName = _name,
                NodeIp = IPAddress.Parse(hostIp),
                DataDir = null,
                Runtime = _runtime,
                Pods = _pods.For(_name),
                RelistInterval = _options.PodRelistInterval,
            },
            _loggers,
            _time,
            cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _kubelet, kubelet);
    }

    public ValueTask DisposeAsync() => StopAsync();

    private async ValueTask StopAsync()
    {
        if (Interlocked.Exchange(ref _kubelet, null) is { } kubelet)
        {
            await kubelet.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A pod address from the node's subnet; the addresses its pods already report (from before a simulator restart) stay theirs.</summary>
    private string AllocateIp(PodSandboxConfig sandbox)
    {
        var cidr = Volatile.Read(ref _podCidr) ?? throw new InvalidOperationException("no pod CIDR assigned to the node yet");
        if (!_ips.Knows(_name, cidr))
        {
            var held = _pods.PodsOn(_name)
                .Where(p => p.Status?.PodIP is { Length: > 0 } && p.Status.Phase is not ("Succeeded" or "Failed") && p.Spec?.HostNetwork != true)
                .Select(p => (p.Metadata.Uid, p.Status!.PodIP));
            _ips.Load(_name, cidr, held);
        }

        return _ips.Allocate(_name, sandbox.Metadata.Uid);
    }
}

using System.Net;
using Grpc.Core;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Events;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Node;

/// <summary>
/// Keeps the node alive in the API: renews its Lease in kube-node-lease every
/// <see cref="KubeletOptions.LeaseRenewInterval"/> and posts the Node status when a condition
/// changes or <see cref="KubeletOptions.NodeStatusReportInterval"/> has passed.
/// </summary>
public sealed partial class NodeHeartbeat
{
    private const string LeaseNamespace = "kube-node-lease";
    private readonly IKubernetes _client;
    private readonly CriClient _cri;
    private readonly KubeletOptions _options;
    private readonly MachineInfo _machine;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private string _runtimeVersion = "containerd://unknown";
    private string? _lastPosted;
    private DateTime _lastPostedAt;

    private readonly EventRecorder? _events;

    /// <param name="events">Where the Node's condition changes go as events (NodeReady, NodeNotReady, ...); none when null.</param>
    public NodeHeartbeat(IKubernetes client, CriClient cri, KubeletOptions options, MachineInfo machine, TimeProvider time, ILogger log, EventRecorder? events = null)
    {
        _events = events;
        _client = client;
        _cri = cri;
        _options = options;
        _machine = machine;
        _time = time;
        _log = log;
    }

    /// <summary>The eviction manager's disk pressure verdict; when null, DiskPressure is the data dir's filesystem under 10 % free.</summary>
    public Func<bool>? DiskPressure { get; init; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
                await PostStatusAsync(force: false, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: a request cut off mid-flight is the expected way out, not a failure.
                return;
            }
            catch (RpcException e) when (cancellationToken.IsCancellationRequested && e.StatusCode == StatusCode.Cancelled)
            {
                return;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or RpcException or IOException)
            {
                LogHeartbeatFailed(e.Message);
            }

            try
            {
                await Task.Delay(_options.LeaseRenewInterval, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Posts the Node status now when it differs from the last one posted (or when forced).</summary>
    public async Task PostStatusAsync(bool force, CancellationToken cancellationToken)
    {
        var health = await ReadHealthAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow().UtcDateTime;
        var node = await _client.CoreV1.ReadNodeAsync(_options.NodeName, cancellationToken: cancellationToken).ConfigureAwait(false);
        var status = NodeStatusBuilder.Build(_options, _machine, health, node.Status?.Conditions, _runtimeVersion, now);
        var fingerprint = string.Join(',', status.Conditions.Select(c => c.Type + "=" + c.Status)) + _runtimeVersion;
        if (!force && fingerprint == _lastPosted && now - _lastPostedAt < _options.NodeStatusReportInterval)
        {
            return;
        }

        var patch = new V1Patch(KubernetesJson.Serialize(new { status }), V1Patch.PatchType.MergePatch);
        await _client.CoreV1.PatchNodeStatusAsync(patch, _options.NodeName, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (_events is not null)
        {
            NodeEvents.ConditionsChanged(_events, _options.NodeName, node.Status?.Conditions, status.Conditions);
        }

        _lastPosted = fingerprint;
        _lastPostedAt = now;
    }

    private async Task RenewLeaseAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        try
        {
            var lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_options.NodeName, LeaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            lease.Spec ??= new V1LeaseSpec();
            lease.Spec.HolderIdentity = _options.NodeName;
            lease.Spec.LeaseDurationSeconds = 40;
            lease.Spec.RenewTime = now;
            await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _options.NodeName, LeaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            await EnsureLeaseNamespaceAsync(cancellationToken).ConfigureAwait(false);
            var node = await _client.CoreV1.ReadNodeAsync(_options.NodeName, cancellationToken: cancellationToken).ConfigureAwait(false);
            var lease = new V1Lease
            {
                Metadata = new V1ObjectMeta
                {
                    Name = _options.NodeName,
                    NamespaceProperty = LeaseNamespace,
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node.Metadata.Name, Uid = node.Metadata.Uid }],
                },
                Spec = new V1LeaseSpec { HolderIdentity = _options.NodeName, LeaseDurationSeconds = 40, RenewTime = now },
            };
            await _client.CoordinationV1.CreateNamespacedLeaseAsync(lease, LeaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task EnsureLeaseNamespaceAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = LeaseNamespace } }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.Forbidden)
        {
            // Forbidden: a node (system:node:NAME) may not create namespaces; the server creates
            // kube-node-lease at start, so the Lease's create below is what tells.
        }
    }

    private async Task<NodeHealth> ReadHealthAsync(CancellationToken cancellationToken)
    {
        var ready = false;
        string? message = null;
        try
        {
            var version = await _cri.Runtime.VersionAsync(new VersionRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancellationToken).ConfigureAwait(false);
            _runtimeVersion = $"{version.RuntimeName}://{version.RuntimeVersion.Split('~')[0]}";
            var status = await _cri.Runtime.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancellationToken).ConfigureAwait(false);
            var notReady = status.Status.Conditions.Where(c => !c.Status).ToList();
            ready = notReady.Count == 0;
            message = ready ? null : "container runtime not ready: " + string.Join("; ", notReady.Select(c => $"{c.Type}={c.Reason}: {c.Message}"));
        }
        catch (RpcException e)
        {
            message = "container runtime is down: " + e.Status.Detail;
        }

        double diskFraction = 1;
        try
        {
            var drive = new DriveInfo(Path.GetFullPath(_options.DataDir));
            diskFraction = drive.TotalSize > 0 ? (double)drive.AvailableFreeSpace / drive.TotalSize : 1;
        }
        catch (IOException)
        {
        }

        var processes = Directory.EnumerateDirectories("/proc").Count(d => char.IsAsciiDigit(Path.GetFileName(d)[0]));
        _ = int.TryParse(File.Exists("/proc/sys/kernel/pid_max") ? File.ReadAllText("/proc/sys/kernel/pid_max").Trim() : "0", out var pidMax);
        var diskPressure = DiskPressure?.Invoke() ?? diskFraction < NodeStatusBuilder.DiskPressureFraction;
        return new NodeHealth(ready, message, MachineInfo.MeminfoBytes("MemAvailable") ?? long.MaxValue, diskPressure, processes, pidMax);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "node heartbeat failed: {Reason}")]
    private partial void LogHeartbeatFailed(string reason);
}

using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Simulator;

/// <summary>
/// The kubelet's heartbeats for every simulated node: renews the node's Lease in kube-node-lease
/// every <see cref="NodeSimulatorOptions.LeaseRenewInterval"/> and posts a Ready status when it
/// changed or grew older than the report frequency. Each node requeues itself after its own
/// renewal, so 1,000 nodes spread over the interval and go through a few workers.
/// </summary>
internal sealed class NodeHeartbeatController : Controller
{
    public const string LeaseNamespace = "kube-node-lease";

    private readonly IKubernetes _client;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly NodeSimulatorOptions _options;
    private readonly ConcurrentDictionary<string, V1Lease> _leases = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _renewed = new(StringComparer.Ordinal);

    public NodeHeartbeatController(IKubernetes client, SharedInformer<V1Node> nodes, NodeSimulatorOptions options, ILogger logger, TimeProvider time)
        : base("node-simulator-heartbeat", logger, time)
    {
        _client = client;
        _nodes = nodes;
        _options = options;
        nodes.AddEventHandler(onAdd: Enqueue, onUpdate: (_, n) => Enqueue(n), onDelete: n => Enqueue(n));
    }

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_options.NodeWorkers, [_nodes], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var node = _nodes.Cache.Get(key);
        if (node is null)
        {
            _leases.TryRemove(key, out _);
            _renewed.TryRemove(key, out _);
            return;
        }

        if (SimulationAnnotations.HeartbeatStopped(node))
        {
            // A lost kubelet: nothing is written until the annotation goes (its update requeues the node).
            _renewed.TryRemove(key, out _);
            return;
        }

        var now = Time.GetUtcNow();
        var interval = _options.LeaseRenewInterval;
        if (!_renewed.TryGetValue(key, out var last) || now - last >= interval * 0.9)
        {
            await RenewLeaseAsync(node, now.UtcDateTime, cancellationToken).ConfigureAwait(false);
            _renewed[key] = last = now;
        }

        if (NodeStatusBuilder.Desired(node, now.UtcDateTime, _options.StatusReportFrequency) is { } status)
        {
            var patch = new V1Patch(KubernetesJson.Serialize(new V1Node { Status = status }), V1Patch.PatchType.MergePatch);
            try
            {
                await _client.CoreV1.PatchNodeStatusAsync(patch, node.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }
        }

        // A little jitter keeps nodes that started together from renewing in lockstep.
        var jitter = TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Max(1, interval.TotalMilliseconds / 20)));
        EnqueueAfter(key, last + interval - now + jitter);
    }

    private async Task RenewLeaseAsync(V1Node node, DateTime now, CancellationToken cancellationToken)
    {
        var name = node.Metadata.Name;
        for (var attempt = 0; ; attempt++)
        {
            var lease = _leases.TryGetValue(name, out var known) ? known : await ReadLeaseAsync(name, cancellationToken).ConfigureAwait(false);
            try
            {
                if (lease is null)
                {
                    _leases[name] = await _client.CoordinationV1.CreateNamespacedLeaseAsync(NewLease(node, now), LeaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    lease.Spec ??= new V1LeaseSpec();
                    lease.Spec.HolderIdentity = name;
                    lease.Spec.LeaseDurationSeconds = _options.LeaseDurationSeconds;
                    lease.Spec.RenewTime = now;
                    _leases[name] = await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, LeaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (HttpOperationException e) when (attempt < 3 && e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            {
                // Someone else wrote it (or deleted it): read it afresh and try again.
                _leases.TryRemove(name, out _);
            }
        }
    }

    private async Task<V1Lease?> ReadLeaseAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.CoordinationV1.ReadNamespacedLeaseAsync(name, LeaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The Lease as the kubelet creates it: owned by its Node, so it goes when the node goes.</summary>
    private V1Lease NewLease(V1Node node, DateTime now) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta
        {
            Name = node.Metadata.Name,
            NamespaceProperty = LeaseNamespace,
            OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node.Metadata.Name, Uid = node.Metadata.Uid }],
        },
        Spec = new V1LeaseSpec { HolderIdentity = node.Metadata.Name, LeaseDurationSeconds = _options.LeaseDurationSeconds, RenewTime = now },
    };
}

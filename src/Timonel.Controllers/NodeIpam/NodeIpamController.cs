using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.NodeIpam;

/// <summary>
/// Gives every Node a spec.podCIDR from the cluster CIDR (upstream's node-ipam controller with
/// the range allocator): pods on a node get addresses from its subnet.
/// </summary>
public sealed class NodeIpamController : Controller, IController
{
    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly CidrSet _cidrs;
    private readonly object _lock = new();
    private bool _loaded;

    public NodeIpamController(ControllerContext context)
        : base("node-ipam-controller", context.Loggers.CreateLogger("node-ipam-controller"), context.Time)
    {
        _context = context;
        _cidrs = new CidrSet(context.Options.ClusterCidr, context.Options.NodeCidrMaskSize);
        _nodes = context.Informers.Get(ResourceKinds.Nodes);
        _nodes.AddEventHandler(
            onAdd: Enqueue,
            onUpdate: (_, n) => Enqueue(n),
            onDelete: n =>
            {
                lock (_lock)
                {
                    if (n.Spec?.PodCIDR is { } cidr)
                    {
                        _cidrs.Release(cidr);
                    }
                }
            });
    }

    string IController.Name => "nodeipam";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(1, [_nodes], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var node = _nodes.Cache.Get(key);
        if (node is null || !string.IsNullOrEmpty(node.Spec?.PodCIDR))
        {
            return;
        }

        string? cidr;
        lock (_lock)
        {
            if (!_loaded)
            {
                // Subnets already handed out (before a restart or a leader change) stay taken.
                foreach (var n in _nodes.Cache.List())
                {
                    if (n.Spec?.PodCIDR is { } taken)
                    {
                        _cidrs.Occupy(taken);
                    }
                }

                _loaded = true;
            }

            cidr = _cidrs.AllocateNext();
        }

        if (cidr is null)
        {
            _context.Events.Warning("cidrAllocator", node, "CIDRNotAvailable", $"Node {node.Metadata.Name} status is now: CIDRNotAvailable");
            throw new InvalidOperationException($"no pod CIDR left in {_context.Options.ClusterCidr} for node {node.Metadata.Name}");
        }

        var patch = new V1Patch($"{{\"spec\":{{\"podCIDR\":\"{cidr}\",\"podCIDRs\":[\"{cidr}\"]}}}}", V1Patch.PatchType.MergePatch);
        try
        {
            await _context.Client.CoreV1.PatchNodeAsync(patch, node.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            lock (_lock)
            {
                _cidrs.Release(cidr);
            }
        }
        catch
        {
            lock (_lock)
            {
                _cidrs.Release(cidr);
            }

            throw;
        }
    }
}

using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.NodeLifecycle;

/// <summary>
/// Keeps each node's managed taints in step with its conditions: on every node change, adds the
/// taints its conditions call for and removes the managed ones they no longer do. Other taints
/// (kubectl taint, simulated templates) are left as they are.
/// </summary>
internal sealed class NodeTaintController : Controller
{
    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Node> _nodes;

    public NodeTaintController(ControllerContext context, SharedInformer<V1Node> nodes)
        : base("node-lifecycle-taints", context.Loggers.CreateLogger("node-lifecycle-controller"), context.Time)
    {
        _context = context;
        _nodes = nodes;
        nodes.AddEventHandler(onAdd: Enqueue, onUpdate: (_, n) => Enqueue(n));
    }

    public Task RunWorkersAsync(CancellationToken cancellationToken) => RunAsync(1, [_nodes], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var node = _nodes.Cache.Get(key);
        if (node is null)
        {
            return;
        }

        var current = node.Spec?.Taints ?? [];
        var desired = Taints.Desired(node);
        var managed = current.Where(Taints.IsManaged).Select(t => (t.Key, t.Effect)).ToHashSet();
        if (managed.SetEquals(desired))
        {
            return;
        }

        var now = Time.GetUtcNow().UtcDateTime;
        var taints = current.Where(t => !Taints.IsManaged(t) || desired.Contains((t.Key, t.Effect))).ToList();
        foreach (var (taintKey, effect) in desired.Where(d => !managed.Contains(d)))
        {
            taints.Add(new V1Taint { Key = taintKey, Effect = effect, TimeAdded = now });
        }

        var spec = KubernetesJson.Deserialize<V1NodeSpec>(KubernetesJson.Serialize(node.Spec ?? new V1NodeSpec()));
        spec.Taints = taints;
        var updated = new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = node.Metadata, Spec = spec, Status = node.Status };

        // A conflict throws and the node is retried from the newer copy the watch brings.
        await _context.Client.CoreV1.ReplaceNodeAsync(updated, node.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}

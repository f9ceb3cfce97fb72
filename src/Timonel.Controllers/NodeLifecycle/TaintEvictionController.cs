using System.Collections.Concurrent;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.NodeLifecycle;

/// <summary>
/// Upstream's NoExecute taint manager: a pod on a node with a NoExecute taint it does not
/// tolerate is deleted at once; one that tolerates every such taint for a limited time
/// (tolerationSeconds) is deleted when the shortest of those times, counted from when this
/// controller first saw the pod under the taints, has passed. Taints removed in time cancel it.
/// </summary>
internal sealed class TaintEvictionController : Controller
{
    public const string Component = "taint-eviction-controller";
    internal const string NodeIndex = "nodelifecycle-node";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _pending = new(StringComparer.Ordinal);

    public TaintEvictionController(ControllerContext context, SharedInformer<V1Node> nodes, SharedInformer<V1Pod> pods)
        : base("taint-eviction-controller", context.Loggers.CreateLogger("taint-eviction-controller"), context.Time)
    {
        _context = context;
        _nodes = nodes;
        _pods = pods;
        pods.AddEventHandler(
            onAdd: EnqueueIfTainted,
            onUpdate: (_, p) => EnqueueIfTainted(p),
            onDelete: p => _pending.TryRemove(ObjectKeys.KeyOf(p), out _));
        nodes.AddEventHandler(
            onAdd: EnqueuePodsOn,
            onUpdate: (old, n) =>
            {
                if (!NoExecuteTaints(old).Select(t => (t.Key, t.Value, t.Effect)).SequenceEqual(NoExecuteTaints(n).Select(t => (t.Key, t.Value, t.Effect))))
                {
                    EnqueuePodsOn(n);
                }
            });
    }

    public Task RunWorkersAsync(int workers, CancellationToken cancellationToken) => RunAsync(workers, [_nodes, _pods], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var pod = _pods.Cache.Get(key);
        if (pod is null || pod.Metadata.DeletionTimestamp is not null || pod.Status?.Phase is "Succeeded" or "Failed")
        {
            _pending.TryRemove(key, out _);
            return;
        }

        var node = pod.Spec?.NodeName is { Length: > 0 } name ? _nodes.Cache.Get(name) : null;
        var taints = node is null ? [] : NoExecuteTaints(node).ToList();
        if (taints.Count == 0)
        {
            Cancel(key, pod);
            return;
        }

        var tolerations = pod.Spec?.Tolerations ?? [];
        var now = Time.GetUtcNow();
        if (taints.Any(t => !tolerations.Any(tol => Taints.Tolerates(tol, t))))
        {
            await EvictAsync(key, pod, cancellationToken).ConfigureAwait(false);
            return;
        }

        // The shortest tolerationSeconds among the tolerations in use; none set means forever.
        var used = tolerations.Where(tol => taints.Any(t => Taints.Tolerates(tol, t))).ToList();
        var seconds = used.Where(t => t.TolerationSeconds is not null).Select(t => Math.Max(0, t.TolerationSeconds!.Value)).DefaultIfEmpty(-1).Min();
        if (seconds < 0)
        {
            Cancel(key, pod);
            return;
        }

        var since = _pending.GetOrAdd(key, now);
        var due = since + TimeSpan.FromSeconds(seconds);
        if (now >= due)
        {
            await EvictAsync(key, pod, cancellationToken).ConfigureAwait(false);
            return;
        }

        // An absolute due time: a delay from `now` would be stale if the clock moved during this sync.
        EnqueueAt(key, due);
    }

    private async Task EvictAsync(string key, V1Pod pod, CancellationToken cancellationToken)
    {
        var name = $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";
        _context.Events.Normal(Component, pod, "TaintManagerEviction", $"Marking for deletion Pod {name}");
        await PodStatusWrites.AddDisruptionTargetAsync(_context.Client, pod, "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint", Time.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);
        try
        {
            var options = new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } };
            await _context.Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, options, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e) || ApiErrors.IsConflict(e))
        {
            // Gone already, or replaced by a new pod of the same name.
        }

        _pending.TryRemove(key, out _);
    }

    private void Cancel(string key, V1Pod pod)
    {
        if (_pending.TryRemove(key, out _))
        {
            _context.Events.Normal(Component, pod, "TaintManagerEviction", $"Cancelling deletion of Pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}");
        }
    }

    private void EnqueueIfTainted(V1Pod pod)
    {
        var key = ObjectKeys.KeyOf(pod);
        if (_pending.ContainsKey(key) || (pod.Spec?.NodeName is { Length: > 0 } n && _nodes.Cache.Get(n) is { } node && NoExecuteTaints(node).Any()))
        {
            Enqueue(key);
        }
    }

    private void EnqueuePodsOn(V1Node node)
    {
        foreach (var pod in _pods.Cache.ByIndex(NodeIndex, node.Metadata.Name))
        {
            Enqueue(pod);
        }
    }

    private static IEnumerable<V1Taint> NoExecuteTaints(V1Node node) => (node.Spec?.Taints ?? []).Where(t => t.Effect == Taints.NoExecute);
}

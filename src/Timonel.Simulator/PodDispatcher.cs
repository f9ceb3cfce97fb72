using k8s.Models;
using Timonel.Client.Informers;
using Timonel.Kubelet.Pods;

namespace Timonel.Simulator;

/// <summary>
/// Hands each hollow node its share of the simulator's one pod watch (every bound pod), by node
/// name in memory: hundreds of simulated nodes cost one watch, not hundreds.
/// </summary>
internal sealed class PodDispatcher
{
    /// <summary>Pods by spec.nodeName.</summary>
    public const string NodeIndex = "simulator-node";

    private readonly SharedInformer<V1Pod> _pods;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<Subscriber>> _subscribers = new(StringComparer.Ordinal);

    public PodDispatcher(SharedInformer<V1Pod> pods)
    {
        _pods = pods;
        pods.AddIndexer(NodeIndex, p => p.Spec?.NodeName is { Length: > 0 } n ? [n] : []);
        pods.AddEventHandler(onAdd: p => Deliver(p, removed: false), onUpdate: (_, p) => Deliver(p, removed: false), onDelete: p => Deliver(p, removed: true));
    }

    /// <summary>The pods bound to <paramref name="nodeName"/> now.</summary>
    public IReadOnlyList<V1Pod> PodsOn(string nodeName) => _pods.Cache.ByIndex(NodeIndex, nodeName);

    /// <summary>The pod named by a sandbox, when it is still the same pod (same UID).</summary>
    public V1Pod? Get(string @namespace, string name, string uid) =>
        _pods.Cache.Get(@namespace, name) is { } pod && pod.Metadata.Uid == uid ? pod : null;

    /// <summary>The node's pods as its kubelet's pod manager consumes them.</summary>
    public IPodSource For(string nodeName) => new NodePods(this, nodeName);

    private void Deliver(V1Pod pod, bool removed)
    {
        if (pod.Spec?.NodeName is not { Length: > 0 } node)
        {
            return;
        }

        // Under the lock that subscription takes, so a pod's events never overtake its replay.
        lock (_lock)
        {
            if (!_subscribers.TryGetValue(node, out var list))
            {
                return;
            }

            foreach (var s in list)
            {
                (removed ? s.Removed : s.Upsert)(pod);
            }
        }
    }

    private IDisposable Subscribe(string node, Action<V1Pod> upsert, Action<V1Pod> removed)
    {
        var subscriber = new Subscriber(upsert, removed);
        lock (_lock)
        {
            if (!_subscribers.TryGetValue(node, out var list))
            {
                _subscribers[node] = list = [];
            }

            list.Add(subscriber);
            foreach (var pod in PodsOn(node))
            {
                upsert(pod);
            }
        }

        return new Unsubscribe(() =>
        {
            lock (_lock)
            {
                if (_subscribers.TryGetValue(node, out var list) && list.Remove(subscriber) && list.Count == 0)
                {
                    _subscribers.Remove(node);
                }
            }
        });
    }

    private sealed record Subscriber(Action<V1Pod> Upsert, Action<V1Pod> Removed);

    private sealed class Unsubscribe(Action action) : IDisposable
    {
        private Action? _action = action;

        public void Dispose() => Interlocked.Exchange(ref _action, null)?.Invoke();
    }

    /// <summary>One node's view; disposing it leaves the shared watch running.</summary>
    private sealed class NodePods(PodDispatcher dispatcher, string nodeName) : IPodSource
    {
        public IDisposable Subscribe(Action<V1Pod> upsert, Action<V1Pod> removed) => dispatcher.Subscribe(nodeName, upsert, removed);

        public Task WaitForSyncAsync(CancellationToken cancellationToken) => dispatcher._pods.WaitForSyncAsync(cancellationToken);

        public IReadOnlyList<V1Pod> List() => dispatcher.PodsOn(nodeName);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

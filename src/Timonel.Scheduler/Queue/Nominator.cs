using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Queue;

/// <summary>
/// Pods that preemption nominated to a node (status.nominatedNodeName) but that are not bound yet:
/// lower-priority pods must not take the room made for them. Thread-safe.
/// </summary>
public sealed class Nominator
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<PodInfo>> _byNode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _nodeOf = new(StringComparer.Ordinal);

    public void Add(PodInfo pod, string nodeName)
    {
        lock (_lock)
        {
            DeleteLocked(pod.Key);
            if (!_byNode.TryGetValue(nodeName, out var list))
            {
                list = [];
                _byNode[nodeName] = list;
            }

            list.Add(pod);
            _nodeOf[pod.Key] = nodeName;
        }
    }

    public void Delete(string key)
    {
        lock (_lock)
        {
            DeleteLocked(key);
        }
    }

    public bool IsEmpty
    {
        get
        {
            lock (_lock)
            {
                return _nodeOf.Count == 0;
            }
        }
    }

    /// <summary>The pods nominated to <paramref name="nodeName"/> (a copy).</summary>
    public IReadOnlyList<PodInfo> PodsFor(string nodeName)
    {
        lock (_lock)
        {
            return _byNode.TryGetValue(nodeName, out var list) ? [.. list] : [];
        }
    }

    private void DeleteLocked(string key)
    {
        if (_nodeOf.Remove(key, out var node) && _byNode.TryGetValue(node, out var list))
        {
            list.RemoveAll(p => p.Key == key);
            if (list.Count == 0)
            {
                _byNode.Remove(node);
            }
        }
    }
}

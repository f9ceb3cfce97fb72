using k8s.Models;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Cache;

/// <summary>
/// The scheduler's view of nodes and the pods on them, including pods it has assumed (decided
/// and handed to binding, not yet seen bound by the informer). Assumed pods whose binding
/// finished expire after <c>assumedPodTtl</c> if the informer never confirms them, as upstream.
/// Thread-safe: informer handlers, the scheduling cycle and binding tasks all call in.
/// </summary>
public sealed class SchedulerCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, NodeInfo> _nodes = new(StringComparer.Ordinal);
    private readonly List<string> _nodeOrder = [];
    private readonly Dictionary<string, PodState> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImageState> _images = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _assumedPodTtl;
    private long _generation;
    private long _structureVersion;

    public SchedulerCache(TimeProvider time, TimeSpan assumedPodTtl)
    {
        _time = time;
        _assumedPodTtl = assumedPodTtl;
    }

    public int NodeCount
    {
        get
        {
            lock (_lock)
            {
                return _nodes.Values.Count(n => n.Node is not null);
            }
        }
    }

    public int PodCount
    {
        get
        {
            lock (_lock)
            {
                return _pods.Count;
            }
        }
    }

    public void AddOrUpdateNode(V1Node node)
    {
        var name = node.Metadata.Name;
        lock (_lock)
        {
            var info = GetOrCreate(name);
            if (info.Node is null)
            {
                _structureVersion++;
            }

            info.SetNode(node);
            info.ImageStates = ImagesOf(node, name);
            Touch(info);
        }
    }

    public void RemoveNode(string name)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(name, out var info))
            {
                return;
            }

            foreach (var image in info.ImageStates.Values)
            {
                image.NumNodes--;
            }

            info.ImageStates = new Dictionary<string, ImageState>();
            info.ClearNode();
            _structureVersion++;
            if (info.Pods.Count == 0)
            {
                _nodes.Remove(name);
                _nodeOrder.Remove(name);
            }

            Touch(info);
        }
    }

    /// <summary>Records that the scheduler placed <paramref name="pod"/> on <paramref name="nodeName"/> before the bind is confirmed.</summary>
    public void AssumePod(PodInfo pod, string nodeName)
    {
        lock (_lock)
        {
            if (_pods.ContainsKey(pod.Key))
            {
                throw new InvalidOperationException($"pod {pod.Namespace}/{pod.Name} is already in the cache, so can't be assumed");
            }

            var info = GetOrCreate(nodeName);
            info.AddPod(pod);
            Touch(info);
            _pods[pod.Key] = new PodState(pod, nodeName, Assumed: true, Deadline: null);
        }
    }

    /// <summary>Binding succeeded: the assumed pod now expires unless the informer confirms it in time.</summary>
    public void FinishBinding(string key)
    {
        lock (_lock)
        {
            if (_pods.TryGetValue(key, out var s) && s.Assumed)
            {
                _pods[key] = s with { Deadline = _time.GetUtcNow() + _assumedPodTtl };
            }
        }
    }

    /// <summary>Binding failed: drop the assumed pod.</summary>
    public void ForgetPod(string key)
    {
        lock (_lock)
        {
            if (_pods.TryGetValue(key, out var s) && s.Assumed)
            {
                RemoveFromNode(s);
                _pods.Remove(key);
            }
        }
    }

    public bool IsAssumed(string key)
    {
        lock (_lock)
        {
            return _pods.TryGetValue(key, out var s) && s.Assumed;
        }
    }

    /// <summary>An assigned pod seen by the informer (confirms an assumed pod, or adds a new one).</summary>
    public void AddPod(PodInfo pod)
    {
        lock (_lock)
        {
            if (_pods.TryGetValue(pod.Key, out var s))
            {
                RemoveFromNode(s);
            }

            var info = GetOrCreate(pod.NodeName);
            info.AddPod(pod);
            Touch(info);
            _pods[pod.Key] = new PodState(pod, pod.NodeName, Assumed: false, Deadline: null);
        }
    }

    public void UpdatePod(PodInfo pod) => AddPod(pod);

    public void RemovePod(string key)
    {
        lock (_lock)
        {
            if (_pods.Remove(key, out var s))
            {
                RemoveFromNode(s);
            }
        }
    }

    /// <summary>Drops assumed pods whose binding finished more than the TTL ago and were never confirmed.</summary>
    public int CleanupExpiredAssumedPods()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var expired = _pods.Values.Where(s => s.Assumed && s.Deadline is { } d && d <= now).ToList();
            foreach (var s in expired)
            {
                RemoveFromNode(s);
                _pods.Remove(s.Pod.Key);
            }

            return expired.Count;
        }
    }

    /// <summary>Brings <paramref name="snapshot"/> up to date, cloning only the nodes that changed since its last update.</summary>
    public void UpdateSnapshot(Snapshot snapshot)
    {
        lock (_lock)
        {
            if (snapshot.Generation == _generation)
            {
                return;
            }

            var affinityChanged = false;
            if (snapshot.StructureVersion != _structureVersion)
            {
                var old = snapshot.ByName;
                var fresh = new List<NodeInfo>(_nodeOrder.Count);
                foreach (var name in _nodeOrder)
                {
                    var live = _nodes[name];
                    if (live.Node is null)
                    {
                        continue;
                    }

                    fresh.Add(old.TryGetValue(name, out var existing) && existing.Generation == live.Generation ? existing : live.Clone());
                }

                snapshot.Nodes.Clear();
                snapshot.Nodes.AddRange(fresh);
                snapshot.Reindex();
                snapshot.StructureVersion = _structureVersion;
            }
            else
            {
                foreach (var name in _dirty)
                {
                    if (!_nodes.TryGetValue(name, out var live) || live.Node is null || !snapshot.ByName.TryGetValue(name, out var existing))
                    {
                        continue;
                    }

                    if (existing.Generation == live.Generation)
                    {
                        continue;
                    }

                    var clone = live.Clone();
                    affinityChanged |= existing.PodsWithAffinity.Count > 0 || clone.PodsWithAffinity.Count > 0;
                    snapshot.Replace(clone);
                }

                if (affinityChanged)
                {
                    snapshot.RebuildAffinityLists();
                }
            }

            _dirty.Clear();
            snapshot.Generation = _generation;
        }
    }

    /// <summary>A list of the pods in the cache (tests, debugging).</summary>
    public IReadOnlyList<(PodInfo Pod, string Node, bool Assumed)> Pods()
    {
        lock (_lock)
        {
            return [.. _pods.Values.Select(s => (s.Pod, s.NodeName, s.Assumed))];
        }
    }

    private NodeInfo GetOrCreate(string name)
    {
        if (!_nodes.TryGetValue(name, out var info))
        {
            info = new NodeInfo(name);
            _nodes[name] = info;
            _nodeOrder.Add(name);
        }

        return info;
    }

    private void RemoveFromNode(PodState s)
    {
        if (_nodes.TryGetValue(s.NodeName, out var info))
        {
            info.RemovePod(s.Pod.Key);
            Touch(info);
            if (info.Node is null && info.Pods.Count == 0)
            {
                _nodes.Remove(s.NodeName);
                _nodeOrder.Remove(s.NodeName);
            }
        }
    }

    private void Touch(NodeInfo info)
    {
        info.Generation = ++_generation;
        _dirty.Add(info.Name);
    }

    private Dictionary<string, ImageState> ImagesOf(V1Node node, string nodeName)
    {
        foreach (var old in (_nodes.TryGetValue(nodeName, out var existing) ? existing.ImageStates.Values : []))
        {
            old.NumNodes--;
        }

        var result = new Dictionary<string, ImageState>(StringComparer.Ordinal);
        foreach (var image in node.Status?.Images ?? [])
        {
            foreach (var raw in image.Names ?? [])
            {
                var name = ImageNames.Normalize(raw);
                if (result.ContainsKey(name))
                {
                    continue;
                }

                if (!_images.TryGetValue(name, out var state))
                {
                    state = new ImageState(image.SizeBytes ?? 0);
                    _images[name] = state;
                }

                state.Size = image.SizeBytes ?? state.Size;
                state.NumNodes++;
                result[name] = state;
            }
        }

        return result;
    }

    private sealed record PodState(PodInfo Pod, string NodeName, bool Assumed, DateTimeOffset? Deadline);
}

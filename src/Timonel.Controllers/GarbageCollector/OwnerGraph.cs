namespace Timonel.Controllers.GarbageCollector;

/// <summary>
/// Every watched object by uid, and who depends on whom: owner uid → dependent uids, kept even for
/// owners not (or no longer) in the graph, so the dependents of a vanished owner can be found.
/// Thread-safe; nodes are immutable snapshots.
/// </summary>
public sealed class OwnerGraph
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, GraphNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _dependents = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _nodes.Count;
            }
        }
    }

    public GraphNode? Get(string uid)
    {
        lock (_lock)
        {
            return _nodes.GetValueOrDefault(uid);
        }
    }

    /// <summary>A snapshot of every node.</summary>
    public IReadOnlyList<GraphNode> Nodes()
    {
        lock (_lock)
        {
            return [.. _nodes.Values];
        }
    }

    /// <summary>Adds or replaces a node; returns the node it replaced.</summary>
    public GraphNode? Upsert(GraphNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        lock (_lock)
        {
            var old = _nodes.GetValueOrDefault(node.Uid);
            if (old is not null)
            {
                Unlink(old);
            }

            _nodes[node.Uid] = node;
            foreach (var owner in node.Owners)
            {
                if (!_dependents.TryGetValue(owner.Uid, out var set))
                {
                    set = new HashSet<string>(StringComparer.Ordinal);
                    _dependents.Add(owner.Uid, set);
                }

                set.Add(node.Uid);
            }

            return old;
        }
    }

    /// <summary>Removes a node; returns it, if it was there.</summary>
    public GraphNode? Remove(string uid)
    {
        lock (_lock)
        {
            if (!_nodes.Remove(uid, out var old))
            {
                return null;
            }

            Unlink(old);
            return old;
        }
    }

    /// <summary>The nodes that name <paramref name="ownerUid"/> among their owners.</summary>
    public IReadOnlyList<GraphNode> Dependents(string ownerUid)
    {
        lock (_lock)
        {
            return _dependents.TryGetValue(ownerUid, out var set)
                ? [.. set.Select(uid => _nodes.GetValueOrDefault(uid)).OfType<GraphNode>()]
                : [];
        }
    }

    private void Unlink(GraphNode node)
    {
        foreach (var owner in node.Owners)
        {
            if (_dependents.TryGetValue(owner.Uid, out var set) && set.Remove(node.Uid) && set.Count == 0)
            {
                _dependents.Remove(owner.Uid);
            }
        }
    }
}

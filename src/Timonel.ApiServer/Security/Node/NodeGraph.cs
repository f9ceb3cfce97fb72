namespace Timonel.ApiServer.Security.Node;

/// <summary>What kind of object a vertex of the <see cref="NodeGraph"/> stands for.</summary>
internal enum VertexKind
{
    Node,
    Pod,
    Secret,
    ConfigMap,
    ServiceAccount,
    PersistentVolumeClaim,
    PersistentVolume,
    VolumeAttachment,
}

/// <summary>One object of the graph: cluster-scoped kinds have an empty namespace.</summary>
internal readonly record struct Vertex(VertexKind Kind, string Namespace, string Name)
{
    public static Vertex Node(string name) => new(VertexKind.Node, "", name);

    public override string ToString() => Namespace.Length == 0 ? $"{Kind} {Name}" : $"{Kind} {Namespace}/{Name}";
}

/// <summary>
/// Upstream's node authorizer graph (plugin/pkg/auth/authorizer/node/graph.go): which objects
/// lead to which nodes. Edges point from what is used to its user (secret → pod, pvc → pod,
/// pv → pvc, secret → pv, pod → node, volumeattachment → node), so a node may read an object
/// when a path leads from the object to the node. Each edge belongs to the object whose
/// content declared it (a pod owns its incoming edges and its edge to the node; a PV its edge
/// to the claim and its secrets' edges), so replacing or removing that object replaces exactly
/// its edges. Vertices left without edges are dropped: the graph holds only what relates to
/// some node. Thread-safe: one writer (the populator) and many readers.
/// </summary>
internal sealed class NodeGraph
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    // Out-edges with how many owners declared each (two pods of a node may both use one secret, but
    // each pod owns its own edge, so the counts only matter for the same owner listing an edge twice).
    private readonly Dictionary<Vertex, Dictionary<Vertex, int>> _out = [];

    // How many edges touch a vertex (in or out): at zero the vertex is dropped.
    private readonly Dictionary<Vertex, int> _degree = [];

    // The edges each owner declared, to remove them when the owner changes or goes.
    private readonly Dictionary<Vertex, (Vertex From, Vertex To)[]> _owned = [];

    /// <summary>Replaces the edges <paramref name="owner"/> declared with <paramref name="edges"/> (none: the owner is gone or unbound).</summary>
    public void SetEdges(Vertex owner, IReadOnlyCollection<(Vertex From, Vertex To)> edges)
    {
        _lock.EnterWriteLock();
        try
        {
            if (_owned.Remove(owner, out var previous))
            {
                foreach (var (from, to) in previous)
                {
                    RemoveEdge(from, to);
                }
            }

            if (edges.Count == 0)
            {
                return;
            }

            var list = edges.Distinct().ToArray();
            foreach (var (from, to) in list)
            {
                AddEdge(from, to);
            }

            _owned[owner] = list;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes the edges <paramref name="owner"/> declared.</summary>
    public void Remove(Vertex owner) => SetEdges(owner, []);

    /// <summary>Forgets everything (before a fresh list replaces the graph's content).</summary>
    public void Clear(VertexKind ownerKind)
    {
        _lock.EnterWriteLock();
        try
        {
            foreach (var owner in _owned.Keys.Where(k => k.Kind == ownerKind).ToList())
            {
                foreach (var (from, to) in _owned[owner])
                {
                    RemoveEdge(from, to);
                }

                _owned.Remove(owner);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Whether the vertex is in the graph (some edge touches it).</summary>
    public bool Contains(Vertex vertex)
    {
        _lock.EnterReadLock();
        try
        {
            return _degree.ContainsKey(vertex);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Whether a path leads from <paramref name="start"/> to the node <paramref name="nodeName"/>.
    /// The walk never goes through another node's vertex, so its cost is bounded by what the
    /// start object reaches (a secret: its pods and PVs; a pod: its node), not by the cluster.
    /// </summary>
    public bool HasPath(Vertex start, string nodeName)
    {
        var target = Vertex.Node(nodeName);
        _lock.EnterReadLock();
        try
        {
            if (!_degree.ContainsKey(target) || !_out.ContainsKey(start))
            {
                return false;
            }

            var seen = new HashSet<Vertex> { start };
            var pending = new Stack<Vertex>();
            pending.Push(start);
            while (pending.TryPop(out var vertex))
            {
                if (!_out.TryGetValue(vertex, out var next))
                {
                    continue;
                }

                foreach (var to in next.Keys)
                {
                    if (to == target)
                    {
                        return true;
                    }

                    if (to.Kind != VertexKind.Node && seen.Add(to))
                    {
                        pending.Push(to);
                    }
                }
            }

            return false;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private void AddEdge(Vertex from, Vertex to)
    {
        if (!_out.TryGetValue(from, out var next))
        {
            next = [];
            _out[from] = next;
        }

        if (next.TryGetValue(to, out var count))
        {
            next[to] = count + 1;
            return;
        }

        next[to] = 1;
        _degree[from] = _degree.GetValueOrDefault(from) + 1;
        _degree[to] = _degree.GetValueOrDefault(to) + 1;
    }

    private void RemoveEdge(Vertex from, Vertex to)
    {
        if (!_out.TryGetValue(from, out var next) || !next.TryGetValue(to, out var count))
        {
            return;
        }

        if (count > 1)
        {
            next[to] = count - 1;
            return;
        }

        next.Remove(to);
        if (next.Count == 0)
        {
            _out.Remove(from);
        }

        Release(from);
        Release(to);
    }

    private void Release(Vertex vertex)
    {
        var degree = _degree[vertex] - 1;
        if (degree == 0)
        {
            _degree.Remove(vertex);
        }
        else
        {
            _degree[vertex] = degree;
        }
    }
}

using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Cache;

/// <summary>
/// The cluster as one scheduling cycle sees it: clones of the cache's NodeInfos taken at the start
/// of the cycle. Only the scheduling goroutine-equivalent (the cycle) reads it; the cache refreshes
/// it incrementally (nodes whose generation moved).
/// </summary>
public sealed class Snapshot
{
    private readonly Dictionary<string, NodeInfo> _byName = new(StringComparer.Ordinal);

    // Where each node sits in Nodes, so replacing a changed node does not search 5,000 entries.
    private readonly Dictionary<string, int> _positions = new(StringComparer.Ordinal);

    /// <summary>Nodes that exist (have a Node object), in a stable order.</summary>
    public List<NodeInfo> Nodes { get; } = [];

    /// <summary>Nodes with at least one pod carrying affinity or anti-affinity terms.</summary>
    public List<NodeInfo> HavePodsWithAffinity { get; } = [];

    /// <summary>Nodes with at least one pod carrying required anti-affinity terms.</summary>
    public List<NodeInfo> HavePodsWithRequiredAntiAffinity { get; } = [];

    /// <summary>The cache generation this snapshot reflects.</summary>
    public long Generation { get; internal set; } = -1;

    internal long StructureVersion { get; set; } = -1;

    public int NumNodes => Nodes.Count;

    public NodeInfo? Get(string name) => _byName.TryGetValue(name, out var n) ? n : null;

    /// <summary>Builds a snapshot of fixed NodeInfos (tests and what-if runs).</summary>
    public static Snapshot Of(IEnumerable<NodeInfo> nodes)
    {
        var s = new Snapshot();
        foreach (var n in nodes)
        {
            s.Nodes.Add(n);
        }

        s.Reindex();
        return s;
    }

    internal Dictionary<string, NodeInfo> ByName => _byName;

    /// <summary>Rebuilds the name index and affinity lists from <see cref="Nodes"/>.</summary>
    internal void Reindex()
    {
        _byName.Clear();
        _positions.Clear();
        for (var i = 0; i < Nodes.Count; i++)
        {
            _byName[Nodes[i].Name] = Nodes[i];
            _positions[Nodes[i].Name] = i;
        }

        RebuildAffinityLists();
    }

    /// <summary>Puts a newer copy of a node in the place of the one with its name.</summary>
    internal void Replace(NodeInfo node)
    {
        Nodes[_positions[node.Name]] = node;
        _byName[node.Name] = node;
    }

    internal void RebuildAffinityLists()
    {
        HavePodsWithAffinity.Clear();
        HavePodsWithRequiredAntiAffinity.Clear();
        foreach (var n in Nodes)
        {
            if (n.PodsWithAffinity.Count > 0)
            {
                HavePodsWithAffinity.Add(n);
            }

            if (n.PodsWithRequiredAntiAffinity.Count > 0)
            {
                HavePodsWithRequiredAntiAffinity.Add(n);
            }
        }
    }
}

using System.Text.RegularExpressions;
using k8s.Models;

namespace Timonel.Autoscaler.NodeGroups;

/// <summary>
/// What both providers share: bounds, membership and the target size. A node belongs to the group
/// when it carries the group label or is named as the group names its nodes ("GROUP-xxxxx").
/// </summary>
internal abstract class NodeGroup(NodeGroupSpec spec) : INodeGroup
{
    private readonly Regex _namePattern = new($"^{Regex.Escape(spec.Name)}-[a-z0-9]{{5}}$", RegexOptions.CultureInvariant);
    private List<string> _nodes = [];
    private int _target;

    protected NodeGroupSpec Spec => spec;

    public string Id => spec.Name;

    public int MinSize => spec.MinSize;

    public int MaxSize => spec.MaxSize;

    public int TargetSize => Math.Max(_target, _nodes.Count);

    public IReadOnlyList<string> Nodes => _nodes;

    /// <summary>True when creating a node registers it at once (the simulated provider): the target is then what is registered.</summary>
    protected abstract bool CreatesSynchronously { get; }

    public bool Owns(V1Node node) =>
        node.Metadata?.Labels is { } labels && labels.TryGetValue(NodeGroupLabels.Group, out var group)
            ? group == Id
            : _namePattern.IsMatch(node.Metadata?.Name ?? "");

    public void Refresh(IEnumerable<V1Node> members)
    {
        _nodes = [.. members.Select(n => n.Metadata.Name).Order(StringComparer.Ordinal)];
        _target = CreatesSynchronously ? _nodes.Count : Math.Max(_target, _nodes.Count);
    }

    public V1Node TemplateNode(string name) => spec.Template().Build(name);

    public async Task IncreaseSizeAsync(int delta, CancellationToken cancellationToken)
    {
        if (delta <= 0 || TargetSize + delta > MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(delta), $"node group {Id}: size {TargetSize} + {delta} is outside 1..{MaxSize}");
        }

        var names = Enumerable.Range(0, delta).Select(_ => $"{Id}-{Guid.NewGuid().ToString("N")[..5]}").ToList();
        var before = TargetSize;
        await CreateAsync(names, cancellationToken).ConfigureAwait(false);
        _target = before + delta;
    }

    public async Task DeleteNodesAsync(IReadOnlyList<V1Node> nodes, CancellationToken cancellationToken)
    {
        if (nodes.FirstOrDefault(n => !Owns(n)) is { } stranger)
        {
            throw new ArgumentException($"node {stranger.Metadata.Name} does not belong to node group {Id}");
        }

        if (TargetSize - nodes.Count < MinSize)
        {
            throw new ArgumentOutOfRangeException(nameof(nodes), $"node group {Id}: removing {nodes.Count} node(s) would go below its minimum size {MinSize}");
        }

        foreach (var node in nodes)
        {
            await DestroyAsync(node, cancellationToken).ConfigureAwait(false);
            _target = TargetSize - 1;
            _nodes.Remove(node.Metadata.Name);
        }
    }

    /// <summary>Creates machines that will register as <paramref name="names"/>.</summary>
    protected abstract Task CreateAsync(IReadOnlyList<string> names, CancellationToken cancellationToken);

    /// <summary>Removes the machine of <paramref name="node"/> and its Node object.</summary>
    protected abstract Task DestroyAsync(V1Node node, CancellationToken cancellationToken);
}

/// <summary>A provider over a fixed list of groups.</summary>
internal sealed class NodeGroupProvider(string name, IReadOnlyList<NodeGroup> groups) : INodeGroupProvider
{
    public string Name => name;

    public IReadOnlyList<INodeGroup> NodeGroups => groups;

    public void Refresh(IReadOnlyList<V1Node> nodes)
    {
        foreach (var group in groups)
        {
            group.Refresh(nodes.Where(group.Owns));
        }
    }

    public INodeGroup? NodeGroupForNode(V1Node node) => groups.FirstOrDefault(g => g.Owns(node));
}

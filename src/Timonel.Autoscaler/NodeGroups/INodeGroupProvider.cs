using k8s.Models;

namespace Timonel.Autoscaler.NodeGroups;

/// <summary>
/// Where machines come from: upstream cluster-autoscaler's cloudprovider.CloudProvider, reduced to
/// what the autoscaler uses. It sits beside the service-lb controller's ICloudProvider, which
/// gives load balancers; this one gives and takes back nodes.
/// </summary>
public interface INodeGroupProvider
{
    /// <summary>The provider's name as the node-groups file chooses it ("simulated", "exec").</summary>
    string Name { get; }

    IReadOnlyList<INodeGroup> NodeGroups { get; }

    /// <summary>Called at the start of every loop with the cluster's nodes, so groups know their members.</summary>
    void Refresh(IReadOnlyList<V1Node> nodes);

    /// <summary>The group <paramref name="node"/> belongs to; null for nodes no group manages (never scaled down).</summary>
    INodeGroup? NodeGroupForNode(V1Node node);
}

/// <summary>A set of alike machines the provider can grow and shrink (an ASG, a MIG, a pool).</summary>
public interface INodeGroup
{
    string Id { get; }

    int MinSize { get; }

    int MaxSize { get; }

    /// <summary>The size the group is asked to have: its registered nodes plus those still being created.</summary>
    int TargetSize { get; }

    /// <summary>The names of the group's registered nodes (as of the last refresh).</summary>
    IReadOnlyList<string> Nodes { get; }

    /// <summary>A node as the group's next one would look, named <paramref name="name"/> (labels, taints, allocatable).</summary>
    V1Node TemplateNode(string name);

    /// <summary>Asks for <paramref name="delta"/> more nodes. Throws when the provider refuses or fails.</summary>
    Task IncreaseSizeAsync(int delta, CancellationToken cancellationToken);

    /// <summary>Removes <paramref name="nodes"/> (already drained) from the group and the cluster.</summary>
    Task DeleteNodesAsync(IReadOnlyList<V1Node> nodes, CancellationToken cancellationToken);
}

using k8s.Models;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// One node with the aggregate of the pods on it (bound and assumed): requested resources,
/// claimed host ports, the pods that carry affinity terms, and the images it holds. The cache
/// owns the live instances; a <see cref="Snapshot"/> holds clones that no one mutates during a cycle
/// except the scheduler adding the pod it just assumed.
/// </summary>
public sealed class NodeInfo
{
    private static readonly V1Taint[] NoTaints = [];
    private static readonly Dictionary<string, string> NoLabels = [];

    public NodeInfo(string name) => Name = name;

    public string Name { get; }

    /// <summary>The node object; null while only pods referring to a not-yet-seen node are known.</summary>
    public V1Node? Node { get; private set; }

    public IDictionary<string, string> Labels { get; private set; } = NoLabels;

    public IReadOnlyList<V1Taint> Taints { get; private set; } = NoTaints;

    /// <summary>spec.unschedulable (cordoned), kept here so the filter run on every node need not reach into the Node object.</summary>
    public bool Unschedulable { get; private set; }

    public List<PodInfo> Pods { get; private set; } = [];

    public List<PodInfo> PodsWithAffinity { get; private set; } = [];

    public List<PodInfo> PodsWithRequiredAntiAffinity { get; private set; } = [];

    public List<HostPort> UsedPorts { get; private set; } = [];

    public Resource Requested { get; private set; } = new();

    public Resource NonZeroRequested { get; private set; } = new();

    public Resource Allocatable { get; private set; } = new();

    /// <summary>Images on the node by normalized name (size and how many nodes hold it).</summary>
    public IReadOnlyDictionary<string, ImageState> ImageStates { get; set; } = new Dictionary<string, ImageState>();

    /// <summary>Bumped on every change, so the snapshot copies only what changed.</summary>
    public long Generation { get; set; }

    public void SetNode(V1Node node)
    {
        Node = node;
        Labels = node.Metadata?.Labels ?? NoLabels;
        Taints = node.Spec?.Taints is { Count: > 0 } t ? [.. t] : NoTaints;
        Unschedulable = node.Spec?.Unschedulable == true;
        Allocatable = Resource.From(node.Status?.Allocatable);
    }

    public void ClearNode() => Node = null;

    public void AddPod(PodInfo pod)
    {
        Pods.Add(pod);
        if (pod.HasAffinity)
        {
            PodsWithAffinity.Add(pod);
        }

        if (pod.RequiredAntiAffinityTerms.Count > 0)
        {
            PodsWithRequiredAntiAffinity.Add(pod);
        }

        Requested.Add(pod.Requests);
        NonZeroRequested.Add(pod.NonZeroRequests);
        UsedPorts.AddRange(pod.HostPorts);
    }

    /// <summary>Removes the pod with <paramref name="key"/>; false when it is not on this node.</summary>
    public bool RemovePod(string key)
    {
        var i = Pods.FindIndex(p => p.Key == key);
        if (i < 0)
        {
            return false;
        }

        var pod = Pods[i];
        Pods[i] = Pods[^1];
        Pods.RemoveAt(Pods.Count - 1);
        PodsWithAffinity.RemoveAll(p => p.Key == key);
        PodsWithRequiredAntiAffinity.RemoveAll(p => p.Key == key);
        Requested.Subtract(pod.Requests);
        NonZeroRequested.Subtract(pod.NonZeroRequests);
        foreach (var port in pod.HostPorts)
        {
            UsedPorts.Remove(port);
        }

        return true;
    }

    /// <summary>A copy whose lists and resources can change without touching this one (pods themselves are shared, they are immutable).</summary>
    public NodeInfo Clone() => new(Name)
    {
        Node = Node,
        Labels = Labels,
        Taints = Taints,
        Unschedulable = Unschedulable,
        Pods = [.. Pods],
        PodsWithAffinity = [.. PodsWithAffinity],
        PodsWithRequiredAntiAffinity = [.. PodsWithRequiredAntiAffinity],
        UsedPorts = [.. UsedPorts],
        Requested = Requested.Clone(),
        NonZeroRequested = NonZeroRequested.Clone(),
        Allocatable = Allocatable,
        ImageStates = ImageStates,
        Generation = Generation,
    };
}

/// <summary>An image on a node: its size and the number of nodes holding it (shared, updated by the cache).</summary>
public sealed class ImageState(long size)
{
    public long Size { get; set; } = size;

    public int NumNodes { get; set; }
}

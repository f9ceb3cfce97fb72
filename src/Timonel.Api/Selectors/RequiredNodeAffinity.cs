using k8s.Models;

namespace Timonel.Api.Selectors;

/// <summary>
/// What a pod requires of its node, as upstream's nodeaffinity.GetRequiredNodeAffinity: every
/// spec.nodeSelector pair among the node's labels, and the required node affinity's selector.
/// Used alike by the scheduler and the DaemonSet controller. Immutable and thread-safe.
/// </summary>
public sealed class RequiredNodeAffinity
{
    private readonly KeyValuePair<string, string>[] _nodeSelector;
    private readonly NodeSelectorMatcher? _affinity;

    private RequiredNodeAffinity(KeyValuePair<string, string>[] nodeSelector, NodeSelectorMatcher? affinity)
    {
        _nodeSelector = nodeSelector;
        _affinity = affinity;
    }

    /// <summary>The pod requires nothing: every node matches.</summary>
    public bool IsEmpty => _nodeSelector.Length == 0 && _affinity is null;

    public static RequiredNodeAffinity Of(V1PodSpec? spec)
    {
        var required = spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution;
        return new([.. spec?.NodeSelector ?? new Dictionary<string, string>()], required is null ? null : NodeSelectorMatcher.From(required));
    }

    public bool Matches(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var labels = node.Metadata?.Labels;
        foreach (var (key, value) in _nodeSelector)
        {
            if (labels is null || !labels.TryGetValue(key, out var have) || have != value)
            {
                return false;
            }
        }

        return _affinity is null || _affinity.Matches(node);
    }
}

using k8s.Models;
using Timonel.Api.Selectors;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// A compiled pod (anti-)affinity term: which pods it selects (label selector, namespaces or
/// namespace selector) and the topology key that groups nodes. Upstream's framework.AffinityTerm.
/// An invalid selector throws ApiException (upstream's LabelSelectorAsSelector error); <see cref="PodInfo"/> handles it.
/// </summary>
public sealed class AffinityTerm
{
    public AffinityTerm(V1Pod owner, V1PodAffinityTerm term, int weight = 0)
    {
        var matchLabelKeys = term.MatchLabelKeys is { Count: > 0 } keys && owner.Metadata?.Labels is { } labels
            ? keys.Where(labels.ContainsKey).Select(k => new KeyValuePair<string, string>(k, labels[k])).ToList()
            : null;
        Selector = LabelSelector.From(term.LabelSelector, matchLabelKeys);
        TopologyKey = term.TopologyKey ?? string.Empty;
        Weight = weight;
        if ((term.Namespaces is null || term.Namespaces.Count == 0) && term.NamespaceSelector is null)
        {
            Namespaces = new HashSet<string>(StringComparer.Ordinal) { owner.Metadata?.NamespaceProperty ?? "default" };
        }
        else
        {
            Namespaces = new HashSet<string>(term.Namespaces ?? [], StringComparer.Ordinal);
        }

        NamespaceSelector = LabelSelector.From(term.NamespaceSelector);
    }

    public LabelSelector Selector { get; }

    public IReadOnlySet<string> Namespaces { get; }

    public LabelSelector NamespaceSelector { get; }

    public string TopologyKey { get; }

    /// <summary>The weight of a preferred term; 0 for a required one.</summary>
    public int Weight { get; }

    /// <summary>Whether the term selects <paramref name="pod"/> (namespace first, then labels).</summary>
    public bool Matches(PodInfo pod, NamespaceLabels namespaces)
    {
        if (Namespaces.Contains(pod.Namespace) || (!ReferenceEquals(NamespaceSelector, LabelSelector.Nothing) && NamespaceSelector.Matches(namespaces.Get(pod.Namespace))))
        {
            return Selector.Matches(pod.Labels);
        }

        return false;
    }
}

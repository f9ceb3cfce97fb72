using System.Collections.Concurrent;
using k8s.Models;
using Timonel.Api.Selectors;

namespace Timonel.Controllers.Autoscaling;

/// <summary>
/// The pod selector each autoscaler last read from its target's scale (upstream's hpaSelectors
/// bimultimap), to find pods that several autoscalers would scale. An autoscaler is registered
/// when the informer adds it, selecting nothing until its first sync; only a registered one is
/// updated, so a sync racing a delete cannot bring it back.
/// </summary>
internal sealed class AutoscalerSelectors
{
    private readonly ConcurrentDictionary<string, (string Namespace, LabelSelector Selector)> _selectors = new(StringComparer.Ordinal);

    public void Register(string key) => _selectors.TryAdd(key, ("", LabelSelector.Nothing));

    public void Forget(string key) => _selectors.TryRemove(key, out _);

    public void Update(string key, string @namespace, LabelSelector selector)
    {
        if (_selectors.TryGetValue(key, out var old))
        {
            _selectors.TryUpdate(key, (@namespace, selector), old);
        }
    }

    /// <summary>The autoscalers ("namespace/name", sorted) whose selector matches at least one of <paramref name="pods"/>.</summary>
    public IReadOnlyList<string> Selecting(string @namespace, IReadOnlyList<V1Pod> pods)
    {
        var labels = pods.Select(p => (IReadOnlyDictionary<string, string>)(p.Metadata.Labels ?? new Dictionary<string, string>())).ToList();
        return [.. _selectors
            .Where(s => s.Value.Namespace == @namespace && labels.Any(l => s.Value.Selector.Matches(l)))
            .Select(s => s.Key)
            .Order(StringComparer.Ordinal)];
    }
}

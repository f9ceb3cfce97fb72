using System.Collections.Concurrent;

namespace Timonel.Scheduler.Framework;

/// <summary>The labels of each namespace, for affinity terms with a namespaceSelector. Fed by the host.</summary>
public sealed class NamespaceLabels
{
    private static readonly Dictionary<string, string> None = [];
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _labels = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Get(string ns) => _labels.TryGetValue(ns, out var l) ? l : None;

    public void Set(string ns, IDictionary<string, string>? labels) => _labels[ns] = PodInfo.ReadOnlyLabels(labels);

    public void Remove(string ns) => _labels.TryRemove(ns, out _);
}

using System.Globalization;

namespace Timonel.Controllers.Namespace;

/// <summary>
/// What a pass over a terminating namespace found: objects left per resource, finalizers left on
/// them, and failures; rendered as upstream's four deletion conditions.
/// </summary>
public sealed class NamespaceContent
{
    private readonly SortedDictionary<string, int> _remaining = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _finalizers = new(StringComparer.Ordinal);

    public List<string> ListFailures { get; } = [];

    public List<string> DeleteFailures { get; } = [];

    public bool HasRemaining => _remaining.Count > 0;

    public bool HasFailures => ListFailures.Count > 0 || DeleteFailures.Count > 0;

    /// <summary>Counts one object still present, as "plural.group" (upstream prints "pods." for the core group).</summary>
    public void AddRemaining(string plural, string group, IEnumerable<string> finalizers)
    {
        var name = $"{plural}.{group}";
        _remaining[name] = _remaining.GetValueOrDefault(name) + 1;
        foreach (var finalizer in finalizers)
        {
            _finalizers[finalizer] = _finalizers.GetValueOrDefault(finalizer) + 1;
        }
    }

    /// <summary>(type, status, reason, message) of the conditions upstream's namespace controller sets.</summary>
    public IEnumerable<(string Type, string Status, string Reason, string Message)> Conditions()
    {
        yield return ListFailures.Count > 0
            ? ("NamespaceDeletionDiscoveryFailure", "True", "DiscoveryFailed", $"Discovery failed for some groups, {ListFailures.Count} failing: {string.Join(", ", ListFailures)}")
            : ("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered");
        yield return ("NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions", "All legacy kube types successfully parsed");
        yield return DeleteFailures.Count > 0
            ? ("NamespaceDeletionContentFailure", "True", "ContentDeletionFailed", $"Failed to delete all resource types, {DeleteFailures.Count} remaining: {string.Join(", ", DeleteFailures)}")
            : ("NamespaceDeletionContentFailure", "False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization");
        yield return _remaining.Count > 0
            ? ("NamespaceContentRemaining", "True", "SomeResourcesRemain", "Some resources are remaining: " + string.Join(", ", _remaining.Select(r => $"{r.Key} has {r.Value.ToString(CultureInfo.InvariantCulture)} resource instances")))
            : ("NamespaceContentRemaining", "False", "ContentRemoved", "All content successfully removed");
        yield return _finalizers.Count > 0
            ? ("NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain", "Some content in the namespace has finalizers remaining: " + string.Join(", ", _finalizers.Select(f => $"{f.Key} in {f.Value.ToString(CultureInfo.InvariantCulture)} resource instances")))
            : ("NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers", "All content-preserving finalizers finished");
    }
}

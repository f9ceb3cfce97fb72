namespace Timonel.ApiServer.Admission;

/// <summary>
/// Which Node labels a node may set on itself (upstream's NodeRestriction label policy and
/// k8s.io/kubelet's well-known kubelet labels): none under node-restriction.kubernetes.io/,
/// and under kubernetes.io/ and k8s.io/ only the labels the kubelet itself sets.
/// </summary>
internal static class NodeLabels
{
    private const string NodeRestrictionNamespace = "node-restriction.kubernetes.io";

    private static readonly HashSet<string> KubeletLabels = new(StringComparer.Ordinal)
    {
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
        "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/instance-type",
        "kubernetes.io/os",
        "kubernetes.io/arch",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/arch",
    };

    private static readonly string[] KubeletLabelNamespaces = ["kubelet.kubernetes.io", "node.kubernetes.io"];

    /// <summary>The keys whose value differs between the two label sets (added, removed or changed).</summary>
    public static SortedSet<string> Modified(IReadOnlyDictionary<string, string> now, IReadOnlyDictionary<string, string> before)
    {
        var modified = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in now)
        {
            if (!before.TryGetValue(key, out var old) || old != value)
            {
                modified.Add(key);
            }
        }

        foreach (var key in before.Keys)
        {
            if (!now.ContainsKey(key))
            {
                modified.Add(key);
            }
        }

        return modified;
    }

    /// <summary>Of <paramref name="modified"/>, the labels a node may not add, remove or change, sorted.</summary>
    public static List<string> Forbidden(IEnumerable<string> modified) => [.. modified.Where(IsForbidden)];

    private static bool IsForbidden(string label)
    {
        var ns = Namespace(label);
        if (InNamespace(ns, NodeRestrictionNamespace))
        {
            return true;
        }

        return (InNamespace(ns, "kubernetes.io") || InNamespace(ns, "k8s.io")) && !IsKubeletLabel(label, ns);
    }

    private static bool IsKubeletLabel(string label, string ns) =>
        KubeletLabels.Contains(label) || KubeletLabelNamespaces.Any(k => InNamespace(ns, k));

    private static bool InNamespace(string ns, string parent) =>
        ns == parent || ns.EndsWith("." + parent, StringComparison.Ordinal);

    private static string Namespace(string label) => label.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? label[..slash] : "";
}

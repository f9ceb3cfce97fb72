namespace Timonel.Controllers;

/// <summary>
/// The names --controllers accepts, as kube-controller-manager 1.33: upstream's canonical names
/// ("replicaset-controller"), its backward-compatible aliases ("replicaset"), and the names
/// Timonel's registry uses. Every accepted name resolves to one registry name; an upstream
/// controller Timonel does not implement is accepted and runs nothing.
/// </summary>
public static class ControllerNames
{
    // (upstream canonical name, upstream aliases, Timonel registry name or null when not implemented).
    private static readonly (string Canonical, string[] Aliases, string? Registry)[] Table =
    [
        ("serviceaccount-token-controller", ["serviceaccount-token"], "serviceaccount-token"),
        ("endpoints-controller", ["endpoint"], "endpoint"),
        ("endpointslice-controller", ["endpointslice"], "endpointslice"),
        ("endpointslice-mirroring-controller", ["endpointslicemirroring"], "endpointslicemirroring"),
        ("replicationcontroller-controller", ["replicationcontroller"], "replicationcontroller"),
        ("pod-garbage-collector-controller", ["podgc"], "podgc"),
        ("resourcequota-controller", ["resourcequota"], "resourcequota"),
        ("namespace-controller", ["namespace"], "namespace"),
        ("serviceaccount-controller", ["serviceaccount"], "serviceaccount"),
        ("garbage-collector-controller", ["garbagecollector"], "garbagecollector"),
        ("daemonset-controller", ["daemonset"], "daemonset"),
        ("job-controller", ["job"], "job"),
        ("deployment-controller", ["deployment"], "deployment"),
        ("replicaset-controller", ["replicaset"], "replicaset"),
        ("horizontal-pod-autoscaler-controller", ["horizontalpodautoscaling"], "horizontalpodautoscaling"),
        ("disruption-controller", ["disruption"], "disruption"),
        ("statefulset-controller", ["statefulset"], "statefulset"),
        ("cronjob-controller", ["cronjob"], "cronjob"),
        ("certificatesigningrequest-signing-controller", ["csrsigning"], "csrsigning"),
        ("certificatesigningrequest-approving-controller", ["csrapproving"], "csrapproving"),
        ("certificatesigningrequest-cleaner-controller", ["csrcleaner"], null),
        ("ttl-controller", ["ttl"], "ttl"),
        ("bootstrap-signer-controller", ["bootstrapsigner"], null),
        ("token-cleaner-controller", ["tokencleaner"], null),
        ("node-ipam-controller", ["nodeipam"], "nodeipam"),
        ("node-lifecycle-controller", ["nodelifecycle"], "nodelifecycle"),
        ("taint-eviction-controller", [], null),
        ("service-lb-controller", ["service"], "service-lb-controller"),
        ("node-route-controller", ["route"], null),
        ("cloud-node-lifecycle-controller", ["cloud-node-lifecycle"], null),
        ("persistentvolume-binder-controller", ["persistentvolume-binder"], "persistentvolume-binder"),
        ("persistentvolume-attach-detach-controller", ["attachdetach"], null),
        ("persistentvolume-expander-controller", ["persistentvolume-expander"], "persistentvolume-expander"),
        ("clusterrole-aggregation-controller", ["clusterrole-aggregation"], "clusterrole-aggregation"),
        ("persistentvolumeclaim-protection-controller", ["pvc-protection"], "pvc-protection"),
        ("persistentvolume-protection-controller", ["pv-protection"], "pv-protection"),
        ("ttl-after-finished-controller", ["ttl-after-finished"], "ttl-after-finished"),
        ("root-ca-certificate-publisher-controller", ["root-ca-cert-publisher"], "root-ca-cert-publisher"),
        ("ephemeral-volume-controller", ["ephemeral-volume"], "ephemeral-volume"),
        ("storageversion-garbage-collector-controller", ["storage-version-gc"], null),
        ("resourceclaim-controller", ["resource-claim-controller"], null),
        ("legacy-serviceaccount-token-cleaner-controller", ["legacy-service-account-token-cleaner"], "legacy-serviceaccount-token-cleaner"),
        ("validatingadmissionpolicy-status-controller", [], null),
        ("service-cidr-controller", [], "service-cidr"),
        ("storage-version-migrator-controller", [], null),
        // Timonel's own (k3s's local-path provisioner); no upstream name.
        ("local-path-provisioner", [], "local-path-provisioner"),
    ];

    /// <summary>Upstream runs these only when named (--controllers '*,bootstrapsigner'): registry or canonical names.</summary>
    private static readonly HashSet<string> DisabledByDefault = new(StringComparer.Ordinal)
    {
        "bootstrap-signer-controller", "token-cleaner-controller", "storage-version-migrator-controller",
    };

    private static readonly Dictionary<string, string> ToCanonical = BuildIndex();

    /// <summary>Every name --controllers accepts (canonical names, aliases and registry names), sorted.</summary>
    public static IReadOnlyList<string> Known { get; } = [.. ToCanonical.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The upstream canonical name for any accepted name (a registry name included), or null when unknown.</summary>
    public static string? Canonical(string name) => ToCanonical.GetValueOrDefault(name);

    /// <summary>
    /// Null when every entry of a --controllers list is "*", a known name or "-" and a known name;
    /// else upstream's message naming the first unknown one, with the names that would do.
    /// </summary>
    public static string? Validate(IEnumerable<string> entries)
    {
        foreach (var entry in entries)
        {
            if (entry == "*")
            {
                continue;
            }

            var name = entry.StartsWith('-') ? entry[1..] : entry;
            if (Canonical(name) is null)
            {
                return $"\"{name}\" is not in the list of known controllers; known controllers: {string.Join(", ", Known)}";
            }
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="registryName"/> runs under <paramref name="entries"/>: the first
    /// entry naming it (by any of its names, "-" to disable) decides; otherwise "*" enables it
    /// unless upstream keeps it off by default.
    /// </summary>
    public static bool IsEnabled(string registryName, IEnumerable<string> entries)
    {
        var canonical = Canonical(registryName) ?? registryName;
        var star = false;
        foreach (var entry in entries)
        {
            if (entry == "*")
            {
                star = true;
                continue;
            }

            var disable = entry.StartsWith('-');
            var name = disable ? entry[1..] : entry;
            if ((Canonical(name) ?? name) == canonical)
            {
                return !disable;
            }
        }

        return star && !DisabledByDefault.Contains(canonical);
    }

    private static Dictionary<string, string> BuildIndex()
    {
        var index = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (canonical, aliases, registry) in Table)
        {
            index[canonical] = canonical;
            foreach (var alias in aliases)
            {
                index[alias] = canonical;
            }

            if (registry is not null)
            {
                index[registry] = canonical;
            }
        }

        return index;
    }
}

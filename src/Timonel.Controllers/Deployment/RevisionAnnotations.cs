using System.Globalization;
using k8s.Models;

namespace Timonel.Controllers.Deployment;

/// <summary>The deployment.kubernetes.io annotations on Deployments and their ReplicaSets, as upstream's deployment util writes them.</summary>
public static class RevisionAnnotations
{
    public const string Revision = "deployment.kubernetes.io/revision";
    public const string RevisionHistory = "deployment.kubernetes.io/revision-history";
    public const string DesiredReplicas = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicas = "deployment.kubernetes.io/max-replicas";

    /// <summary>Deployment annotations never copied onto its ReplicaSets.</summary>
    private static readonly HashSet<string> NotCopied = new(StringComparer.Ordinal)
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        Revision,
        RevisionHistory,
        DesiredReplicas,
        MaxReplicas,
        "deprecated.deployment.rollback.to",
    };

    /// <summary>The ReplicaSet's revision; 0 when it has none or an unreadable one.</summary>
    public static long RevisionOf(V1ObjectMeta? meta) =>
        meta?.Annotations?.TryGetValue(Revision, out var text) == true && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;

    public static long MaxRevision(IEnumerable<V1ReplicaSet> sets) => sets.Select(rs => RevisionOf(rs.Metadata)).DefaultIfEmpty(0).Max();

    /// <summary>
    /// Brings the new ReplicaSet's annotations up to date: the Deployment's own annotations (e.g.
    /// kubernetes.io/change-cause), the revision (when a reused old template gets a newer one, the
    /// old number goes to revision-history) and, for a ReplicaSet about to be created, the replica annotations.
    /// </summary>
    /// <returns>Whether anything changed.</returns>
    public static bool SetNewReplicaSetAnnotations(V1Deployment d, V1ReplicaSet rs, long newRevision, bool exists)
    {
        rs.Metadata.Annotations ??= new Dictionary<string, string>();
        var annotations = rs.Metadata.Annotations;
        var changed = false;
        foreach (var (key, value) in d.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            if (!NotCopied.Contains(key) && (!annotations.TryGetValue(key, out var existing) || existing != value))
            {
                annotations[key] = value;
                changed = true;
            }
        }

        var oldRevision = RevisionOf(rs.Metadata);
        if (oldRevision < newRevision)
        {
            annotations[Revision] = newRevision.ToString(CultureInfo.InvariantCulture);
            changed = true;
            if (oldRevision > 0)
            {
                annotations[RevisionHistory] = annotations.TryGetValue(RevisionHistory, out var history) && history.Length > 0
                    ? $"{history},{oldRevision.ToString(CultureInfo.InvariantCulture)}"
                    : oldRevision.ToString(CultureInfo.InvariantCulture);
            }
        }

        if (!exists)
        {
            changed |= SetReplicasAnnotations(rs, RolloutMath.Replicas(d), RolloutMath.Replicas(d) + RolloutMath.MaxSurge(d));
        }

        return changed;
    }

    /// <summary>Sets desired-replicas and max-replicas; whether either changed.</summary>
    public static bool SetReplicasAnnotations(V1ReplicaSet rs, int desired, int max)
    {
        rs.Metadata.Annotations ??= new Dictionary<string, string>();
        var changed = Set(rs.Metadata.Annotations, DesiredReplicas, desired);
        changed |= Set(rs.Metadata.Annotations, MaxReplicas, max);
        return changed;
    }

    public static bool ReplicasAnnotationsNeedUpdate(V1ReplicaSet rs, int desired, int max) =>
        Get(rs.Metadata, DesiredReplicas) != desired.ToString(CultureInfo.InvariantCulture)
        || Get(rs.Metadata, MaxReplicas) != max.ToString(CultureInfo.InvariantCulture);

    /// <summary>One annotation's value, or null.</summary>
    public static string? Get(V1ObjectMeta? meta, string key) =>
        meta?.Annotations is { } annotations && annotations.TryGetValue(key, out var value) ? value : null;

    /// <summary>The desired-replicas annotation, or null when missing or unreadable.</summary>
    public static int? DesiredReplicasOf(V1ReplicaSet rs) =>
        rs.Metadata.Annotations?.TryGetValue(DesiredReplicas, out var text) == true && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>Records the new ReplicaSet's revision on the Deployment; whether it changed.</summary>
    public static bool SetDeploymentRevision(V1Deployment d, string? revision)
    {
        if (string.IsNullOrEmpty(revision))
        {
            return false;
        }

        d.Metadata.Annotations ??= new Dictionary<string, string>();
        if (d.Metadata.Annotations.TryGetValue(Revision, out var current) && current == revision)
        {
            return false;
        }

        d.Metadata.Annotations[Revision] = revision;
        return true;
    }

    private static bool Set(IDictionary<string, string> annotations, string key, int value)
    {
        var text = value.ToString(CultureInfo.InvariantCulture);
        if (annotations.TryGetValue(key, out var current) && current == text)
        {
            return false;
        }

        annotations[key] = text;
        return true;
    }
}

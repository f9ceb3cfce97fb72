using k8s.Models;

namespace Timonel.Controllers.Deployment;

/// <summary>
/// One sync's working copies: the Deployment and its ReplicaSets as last written or read. Every
/// write replaces the copy with what the API returned, so later writes in the same sync carry
/// current resourceVersions and later decisions see the new sizes.
/// </summary>
internal sealed class Rollout(V1Deployment deployment, List<V1ReplicaSet> replicaSets)
{
    public V1Deployment Deployment { get; set; } = deployment;

    public List<V1ReplicaSet> ReplicaSets { get; } = replicaSets;

    /// <summary>The ReplicaSet whose template is the Deployment's (the oldest, if several).</summary>
    public V1ReplicaSet? NewReplicaSet => ReplicaSets
        .Where(rs => PodTemplateHash.EqualIgnoreHash(rs.Spec?.Template, Deployment.Spec.Template))
        .OrderBy(rs => rs.Metadata.CreationTimestamp ?? DateTime.MinValue)
        .ThenBy(rs => rs.Metadata.Name, StringComparer.Ordinal)
        .FirstOrDefault();

    public IReadOnlyList<V1ReplicaSet> OldReplicaSets
    {
        get
        {
            var current = NewReplicaSet;
            return [.. ReplicaSets.Where(rs => !ReferenceEquals(rs, current))];
        }
    }

    /// <summary>New first (if any), then the old ones.</summary>
    public IReadOnlyList<V1ReplicaSet> All => NewReplicaSet is { } n ? [n, .. OldReplicaSets] : OldReplicaSets;

    public void Replace(V1ReplicaSet updated)
    {
        var index = ReplicaSets.FindIndex(rs => rs.Metadata.Uid == updated.Metadata.Uid);
        if (index >= 0)
        {
            ReplicaSets[index] = updated;
        }
        else
        {
            ReplicaSets.Add(updated);
        }
    }

    public void Remove(V1ReplicaSet gone) => ReplicaSets.RemoveAll(rs => rs.Metadata.Uid == gone.Metadata.Uid);
}

using k8s.Models;
using Timonel.Client.Controllers;

namespace Timonel.Controllers.ReplicaSet;

/// <summary>
/// Which surplus pods go first (upstream's ActivePodsWithRanks): unscheduled before scheduled,
/// Pending before Unknown before Running, not ready before ready, pods doubled up on a node
/// before lone ones, ready for less time before longer, more restarts before fewer, newer before older.
/// </summary>
public sealed class PodDeletionRanking : IComparer<V1Pod>
{
    private readonly IReadOnlyDictionary<string, int> _podsPerNode;

    /// <param name="related">Active pods of the owner and its siblings: a node running several of them ranks its pods first.</param>
    public PodDeletionRanking(IEnumerable<V1Pod> related)
    {
        _podsPerNode = related
            .Where(p => !string.IsNullOrEmpty(p.Spec?.NodeName))
            .GroupBy(p => p.Spec!.NodeName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    /// <summary>The <paramref name="count"/> pods to delete first.</summary>
    public IReadOnlyList<V1Pod> PickForDeletion(IEnumerable<V1Pod> pods, int count) => [.. pods.Order(this).Take(count)];

    public int Compare(V1Pod? x, V1Pod? y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var xAssigned = !string.IsNullOrEmpty(x.Spec?.NodeName);
        var yAssigned = !string.IsNullOrEmpty(y.Spec?.NodeName);
        if (xAssigned != yAssigned)
        {
            return xAssigned ? 1 : -1;
        }

        var phase = PhaseOrder(x).CompareTo(PhaseOrder(y));
        if (phase != 0)
        {
            return phase;
        }

        var xReady = PodConditions.IsPodReady(x);
        var yReady = PodConditions.IsPodReady(y);
        if (xReady != yReady)
        {
            return xReady ? 1 : -1;
        }

        var rank = Rank(y).CompareTo(Rank(x));
        if (rank != 0)
        {
            return rank;
        }

        if (xReady && yReady && PodConditions.ReadySince(x) is { } xSince && PodConditions.ReadySince(y) is { } ySince && xSince != ySince)
        {
            return ySince.CompareTo(xSince);
        }

        var restarts = Restarts(y).CompareTo(Restarts(x));
        if (restarts != 0)
        {
            return restarts;
        }

        // No creation time sorts first, then newer before older.
        return (x.Metadata?.CreationTimestamp, y.Metadata?.CreationTimestamp) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            var (a, b) => b.Value.CompareTo(a.Value),
        };
    }

    private static int PhaseOrder(V1Pod pod) => pod.Status?.Phase switch
    {
        "Pending" or null or "" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 3,
    };

    private static int Restarts(V1Pod pod) => pod.Status?.ContainerStatuses?.Select(c => c.RestartCount).DefaultIfEmpty(0).Max() ?? 0;

    private int Rank(V1Pod pod) => pod.Spec?.NodeName is { Length: > 0 } node ? _podsPerNode.GetValueOrDefault(node) : 0;
}

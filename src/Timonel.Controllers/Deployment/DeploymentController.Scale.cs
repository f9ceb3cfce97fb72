using k8s.Models;

namespace Timonel.Controllers.Deployment;

public sealed partial class DeploymentController
{
    /// <summary>
    /// Resizes a Deployment's ReplicaSets to a new spec.replicas (upstream's scale): the only active
    /// one takes it all; mid-rollout the change is shared in proportion to each ReplicaSet's size,
    /// the rounding leftover going to the largest.
    /// </summary>
    private async Task ScaleAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        var d = rollout.Deployment;
        var desired = RolloutMath.Replicas(d);
        var newRs = rollout.NewReplicaSet;
        if (ActiveOrLatest(newRs, rollout.OldReplicaSets) is { } only)
        {
            if ((only.Spec?.Replicas ?? 0) != desired)
            {
                await ScaleReplicaSetAsync(rollout, only, desired, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (IsSaturated(d, newRs))
        {
            foreach (var old in rollout.OldReplicaSets.Where(rs => (rs.Spec?.Replicas ?? 0) > 0).ToList())
            {
                await ScaleReplicaSetAsync(rollout, old, 0, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (!RolloutMath.IsRollingUpdate(d))
        {
            return;
        }

        var active = rollout.All.Where(rs => (rs.Spec?.Replicas ?? 0) > 0).ToList();
        var allowed = desired > 0 ? desired + RolloutMath.MaxSurge(d) : 0;
        var toAdd = allowed - RolloutMath.SpecReplicas(active);
        if (toAdd == 0)
        {
            return;
        }

        // Growing favours the larger then newer ReplicaSets; shrinking the larger then older.
        var ordered = (toAdd > 0
            ? active.OrderByDescending(rs => rs.Spec?.Replicas ?? 0).ThenByDescending(rs => rs.Metadata.CreationTimestamp ?? DateTime.MinValue)
            : active.OrderByDescending(rs => rs.Spec?.Replicas ?? 0).ThenBy(rs => rs.Metadata.CreationTimestamp ?? DateTime.MinValue)).ToList();
        var sizes = new int[ordered.Count];
        var added = 0;
        for (var i = 0; i < ordered.Count; i++)
        {
            var proportion = Proportion(ordered[i], d, toAdd, added);
            sizes[i] = (ordered[i].Spec?.Replicas ?? 0) + proportion;
            added += proportion;
        }

        if (ordered.Count > 0)
        {
            sizes[0] = Math.Max(0, sizes[0] + toAdd - added);
        }

        for (var i = 0; i < ordered.Count; i++)
        {
            await ScaleReplicaSetAsync(rollout, ordered[i], sizes[i], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The one ReplicaSet with pods, or the newest when none has any; null when several are active.</summary>
    private static V1ReplicaSet? ActiveOrLatest(V1ReplicaSet? newRs, IReadOnlyList<V1ReplicaSet> old)
    {
        var all = newRs is null ? old : [newRs, .. old];
        var active = all.Where(rs => (rs.Spec?.Replicas ?? 0) > 0).ToList();
        return active.Count switch
        {
            0 => newRs ?? old.OrderByDescending(rs => rs.Metadata.CreationTimestamp ?? DateTime.MinValue).FirstOrDefault(),
            1 => active[0],
            _ => null,
        };
    }

    private static bool IsSaturated(V1Deployment d, V1ReplicaSet? rs) =>
        rs is not null
        && RevisionAnnotations.DesiredReplicasOf(rs) == RolloutMath.Replicas(d)
        && (rs.Spec?.Replicas ?? 0) == RolloutMath.Replicas(d)
        && (rs.Status?.AvailableReplicas ?? 0) == RolloutMath.Replicas(d);

    private static int Proportion(V1ReplicaSet rs, V1Deployment d, int toAdd, int added)
    {
        var replicas = rs.Spec?.Replicas ?? 0;
        if (replicas == 0 || toAdd == 0 || toAdd == added)
        {
            return 0;
        }

        int fraction;
        var desired = RolloutMath.Replicas(d);
        if (desired == 0)
        {
            fraction = -replicas;
        }
        else
        {
            var max = desired + RolloutMath.MaxSurge(d);
            var annotated = rs.Metadata.Annotations?.TryGetValue(RevisionAnnotations.MaxReplicas, out var text) == true
                && int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : (d.Status?.Replicas ?? 0);
            fraction = annotated == 0 ? 0 : (int)Math.Round((double)replicas * max / annotated, MidpointRounding.AwayFromZero) - replicas;
        }

        var allowed = toAdd - added;
        return toAdd > 0 ? Math.Min(fraction, allowed) : Math.Max(fraction, allowed);
    }
}

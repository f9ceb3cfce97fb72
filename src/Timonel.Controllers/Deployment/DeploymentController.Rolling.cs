using k8s.Models;
using Timonel.Controllers.ReplicaSet;

namespace Timonel.Controllers.Deployment;

public sealed partial class DeploymentController
{
    /// <summary>
    /// One step of a rolling update: grow the new ReplicaSet within maxSurge, else shrink old ones
    /// within maxUnavailable; then status (upstream's rolloutRolling).
    /// </summary>
    private async Task RolloutRollingAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        var newRs = await SyncNewReplicaSetAsync(rollout, create: true, cancellationToken).ConfigureAwait(false);
        if (newRs is not null && await ReconcileNewReplicaSetAsync(rollout, newRs, cancellationToken).ConfigureAwait(false))
        {
            await SyncRolloutStatusAsync(rollout, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (await ReconcileOldReplicaSetsAsync(rollout, cancellationToken).ConfigureAwait(false))
        {
            await SyncRolloutStatusAsync(rollout, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (DeploymentStatusBuilder.IsComplete(rollout.Deployment, rollout.Deployment.Status ?? new V1DeploymentStatus()))
        {
            await CleanupAsync(rollout, cancellationToken).ConfigureAwait(false);
        }

        await SyncRolloutStatusAsync(rollout, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> ReconcileNewReplicaSetAsync(Rollout rollout, V1ReplicaSet newRs, CancellationToken cancellationToken)
    {
        var d = rollout.Deployment;
        var current = newRs.Spec?.Replicas ?? 0;
        var desired = RolloutMath.Replicas(d);
        if (current == desired)
        {
            return false;
        }

        if (current > desired)
        {
            return await ScaleReplicaSetAsync(rollout, newRs, desired, cancellationToken).ConfigureAwait(false);
        }

        // Old ReplicaSets count with the larger of their size and their pods still running, so the
        // surge bound holds while their deletes are in flight.
        var counted = rollout.All.Select(rs => ReferenceEquals(rs, newRs) ? rs : WithPodsCounted(rs)).ToList();
        var next = RolloutMath.NewReplicaSetReplicas(d, counted, newRs);
        return await ScaleReplicaSetAsync(rollout, newRs, next, cancellationToken).ConfigureAwait(false);
    }

    private static V1ReplicaSet WithPodsCounted(V1ReplicaSet rs) =>
        (rs.Status?.Replicas ?? 0) > (rs.Spec?.Replicas ?? 0)
            ? new V1ReplicaSet { Metadata = rs.Metadata, Spec = new V1ReplicaSetSpec { Replicas = rs.Status!.Replicas, Selector = rs.Spec?.Selector!, Template = rs.Spec?.Template! } }
            : rs;

    /// <summary>Upstream's reconcileOldReplicaSets: never below replicas - maxUnavailable available pods.</summary>
    private async Task<bool> ReconcileOldReplicaSetsAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        var d = rollout.Deployment;
        var oldActive = rollout.OldReplicaSets.Where(rs => (rs.Spec?.Replicas ?? 0) > 0).ToList();
        if (RolloutMath.SpecReplicas(oldActive) == 0)
        {
            return false;
        }

        var newRs = rollout.NewReplicaSet;
        var minAvailable = RolloutMath.Replicas(d) - RolloutMath.MaxUnavailable(d);
        var newUnavailable = (newRs?.Spec?.Replicas ?? 0) - (newRs?.Status?.AvailableReplicas ?? 0);
        var maxScaledDown = RolloutMath.SpecReplicas(rollout.All) - minAvailable - newUnavailable;
        if (maxScaledDown <= 0)
        {
            return false;
        }

        var cleaned = await CleanupUnhealthyReplicasAsync(rollout, maxScaledDown, cancellationToken).ConfigureAwait(false);
        var scaledDown = await ScaleDownOldForRollingUpdateAsync(rollout, minAvailable, cancellationToken).ConfigureAwait(false);
        return cleaned + scaledDown > 0;
    }

    /// <summary>Old ReplicaSets first lose their unavailable pods, oldest ReplicaSet first, up to <paramref name="maxCleanup"/>.</summary>
    private async Task<int> CleanupUnhealthyReplicasAsync(Rollout rollout, int maxCleanup, CancellationToken cancellationToken)
    {
        var total = 0;
        foreach (var rs in OldestFirst(rollout.OldReplicaSets))
        {
            if (total >= maxCleanup)
            {
                break;
            }

            var replicas = rs.Spec?.Replicas ?? 0;
            var available = AvailableNow(rs);
            if (replicas == 0 || replicas <= available)
            {
                continue;
            }

            var count = Math.Min(maxCleanup - total, replicas - available);
            await ScaleReplicaSetAsync(rollout, rs, replicas - count, cancellationToken).ConfigureAwait(false);
            total += count;
        }

        return total;
    }

    private async Task<int> ScaleDownOldForRollingUpdateAsync(Rollout rollout, int minAvailable, CancellationToken cancellationToken)
    {
        var available = rollout.All.Sum(AvailableNow);
        if (available <= minAvailable)
        {
            return 0;
        }

        var toScaleDown = available - minAvailable;
        var total = 0;
        foreach (var rs in OldestFirst(rollout.OldReplicaSets))
        {
            if (total >= toScaleDown)
            {
                break;
            }

            var replicas = rs.Spec?.Replicas ?? 0;
            if (replicas == 0)
            {
                continue;
            }

            var count = Math.Min(replicas, toScaleDown - total);
            await ScaleReplicaSetAsync(rollout, rs, replicas - count, cancellationToken).ConfigureAwait(false);
            total += count;
        }

        return total;
    }

    /// <summary>
    /// Available pods a ReplicaSet can be relied on for: its status may still count pods it was
    /// just told to delete, so never more than its size.
    /// </summary>
    private static int AvailableNow(V1ReplicaSet rs) => Math.Min(rs.Status?.AvailableReplicas ?? 0, rs.Spec?.Replicas ?? 0);

    private static IEnumerable<V1ReplicaSet> OldestFirst(IEnumerable<V1ReplicaSet> sets) =>
        sets.OrderBy(rs => rs.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(rs => rs.Metadata.Name, StringComparer.Ordinal).ToList();

    /// <summary>Recreate: every old pod gone before the new ReplicaSet gets any (upstream's rolloutRecreate).</summary>
    private async Task RolloutRecreateAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        await SyncNewReplicaSetAsync(rollout, create: false, cancellationToken).ConfigureAwait(false);
        var scaledDown = false;
        foreach (var rs in rollout.OldReplicaSets.Where(rs => (rs.Spec?.Replicas ?? 0) > 0).ToList())
        {
            scaledDown |= await ScaleReplicaSetAsync(rollout, rs, 0, cancellationToken).ConfigureAwait(false);
        }

        if (scaledDown || OldPodsRunning(rollout))
        {
            await SyncRolloutStatusAsync(rollout, cancellationToken).ConfigureAwait(false);
            return;
        }

        var newRs = rollout.NewReplicaSet ?? await SyncNewReplicaSetAsync(rollout, create: true, cancellationToken).ConfigureAwait(false);
        if (newRs is not null)
        {
            await ScaleReplicaSetAsync(rollout, newRs, RolloutMath.Replicas(rollout.Deployment), cancellationToken).ConfigureAwait(false);
        }

        if (DeploymentStatusBuilder.IsComplete(rollout.Deployment, rollout.Deployment.Status ?? new V1DeploymentStatus()))
        {
            await CleanupAsync(rollout, cancellationToken).ConfigureAwait(false);
        }

        await SyncRolloutStatusAsync(rollout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether any old ReplicaSet still reports pods or still has a pod that has not finished (terminating ones included).</summary>
    private bool OldPodsRunning(Rollout rollout)
    {
        var old = rollout.OldReplicaSets;
        if (RolloutMath.StatusReplicas(old) > 0)
        {
            return true;
        }

        return old.SelectMany(rs => _pods.Cache.ListByOwnerUid(rs.Metadata.Uid))
            .Any(p => p.Status?.Phase is not ("Succeeded" or "Failed"));
    }
}

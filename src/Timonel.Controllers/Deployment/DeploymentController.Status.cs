using k8s.Models;
using Timonel.Client.Informers;

namespace Timonel.Controllers.Deployment;

public sealed partial class DeploymentController
{
    /// <summary>Status plus the Progressing condition's verdict (complete, progressing, timed out), as upstream's syncRolloutStatus.</summary>
    private async Task SyncRolloutStatusAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        var d = rollout.Deployment;
        var newRs = rollout.NewReplicaSet;
        var status = DeploymentStatusBuilder.Calculate(rollout.All, newRs, d, Now);
        if (!DeploymentConditions.HasProgressDeadline(d))
        {
            DeploymentConditions.Remove(status, DeploymentConditions.Progressing);
        }

        var current = DeploymentConditions.Get(status, DeploymentConditions.Progressing);
        var complete = status.Replicas == status.UpdatedReplicas && current?.Reason == DeploymentConditions.NewReplicaSetAvailable;
        if (DeploymentConditions.HasProgressDeadline(d) && !complete)
        {
            var subject = newRs is null ? $"Deployment \"{d.Metadata.Name}\"" : $"ReplicaSet \"{newRs.Metadata.Name}\"";
            if (DeploymentStatusBuilder.IsComplete(d, status))
            {
                DeploymentConditions.Set(status, DeploymentConditions.New(DeploymentConditions.Progressing, "True", DeploymentConditions.NewReplicaSetAvailable, $"{subject} has successfully progressed.", Now));
            }
            else if (DeploymentStatusBuilder.IsProgressing(d, status))
            {
                // Progress refreshes lastUpdateTime: the deadline counts from the last step forward.
                var condition = DeploymentConditions.New(DeploymentConditions.Progressing, "True", DeploymentConditions.ReplicaSetUpdated, $"{subject} is progressing.", Now);
                if (current?.Status == "True")
                {
                    condition.LastTransitionTime = current.LastTransitionTime;
                }

                DeploymentConditions.Remove(status, DeploymentConditions.Progressing);
                DeploymentConditions.Set(status, condition);
            }
            else if (DeploymentStatusBuilder.IsTimedOut(d, status, Now))
            {
                DeploymentConditions.Set(status, DeploymentConditions.New(DeploymentConditions.Progressing, "False", DeploymentConditions.ProgressDeadlineExceeded, $"{subject} has timed out progressing.", Now));
            }
        }

        var failure = rollout.All.SelectMany(rs => rs.Status?.Conditions ?? []).FirstOrDefault(c => c.Type == "ReplicaFailure" && c.Status == "True");
        if (failure is not null)
        {
            DeploymentConditions.Set(status, DeploymentConditions.New(DeploymentConditions.ReplicaFailure, failure.Status, failure.Reason, failure.Message, Now));
        }
        else
        {
            DeploymentConditions.Remove(status, DeploymentConditions.ReplicaFailure);
        }

        if (DeploymentStatusBuilder.Same(d.Status, status))
        {
            RequeueStuckDeployment(d, status);
            return;
        }

        d.Status = status;
        await UpdateStatusAsync(rollout, cancellationToken).ConfigureAwait(false);
        RequeueStuckDeployment(rollout.Deployment, status);
    }

    /// <summary>Looks again when the progress deadline would pass, so a stalled rollout is reported as such.</summary>
    private void RequeueStuckDeployment(V1Deployment d, V1DeploymentStatus status)
    {
        var condition = DeploymentConditions.Get(status, DeploymentConditions.Progressing);
        if (!DeploymentConditions.HasProgressDeadline(d) || condition?.LastUpdateTime is not { } updated
            || DeploymentStatusBuilder.IsComplete(d, status) || condition.Reason == DeploymentConditions.ProgressDeadlineExceeded)
        {
            return;
        }

        // An absolute time (a second past the deadline, and never sooner than a second from now):
        // a delay from this reading of the clock would land late if the clock moved before the queue read it.
        var due = new DateTimeOffset(DateTime.SpecifyKind(updated, DateTimeKind.Utc)).AddSeconds(d.Spec.ProgressDeadlineSeconds!.Value + 1);
        var soonest = Now + TimeSpan.FromSeconds(1);
        EnqueueAt(ObjectKeys.KeyOf(d), due > soonest ? due : soonest);
    }

    private async Task SyncStatusOnlyAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        await SyncNewReplicaSetAsync(rollout, create: false, cancellationToken).ConfigureAwait(false);
        await SyncDeploymentStatusAsync(rollout, cancellationToken).ConfigureAwait(false);
    }

    private async Task SyncDeploymentStatusAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        var status = DeploymentStatusBuilder.Calculate(rollout.All, rollout.NewReplicaSet, rollout.Deployment, Now);
        if (DeploymentStatusBuilder.Same(rollout.Deployment.Status, status))
        {
            return;
        }

        rollout.Deployment.Status = status;
        await UpdateStatusAsync(rollout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Progressing=Unknown with DeploymentPaused / DeploymentResumed as spec.paused flips.</summary>
    private async Task CheckPausedConditionsAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        var d = rollout.Deployment;
        if (!DeploymentConditions.HasProgressDeadline(d))
        {
            return;
        }

        var condition = DeploymentConditions.Get(d.Status, DeploymentConditions.Progressing);
        if (condition?.Reason == DeploymentConditions.ProgressDeadlineExceeded)
        {
            return;
        }

        var pausedNoted = condition?.Reason == DeploymentConditions.DeploymentPaused;
        d.Status ??= new V1DeploymentStatus();
        if (d.Spec.Paused == true && !pausedNoted)
        {
            DeploymentConditions.Set(d.Status, DeploymentConditions.New(DeploymentConditions.Progressing, "Unknown", DeploymentConditions.DeploymentPaused, "Deployment is paused", Now));
        }
        else if (d.Spec.Paused != true && pausedNoted)
        {
            DeploymentConditions.Set(d.Status, DeploymentConditions.New(DeploymentConditions.Progressing, "Unknown", DeploymentConditions.DeploymentResumed, "Deployment is resumed", Now));
        }
        else
        {
            return;
        }

        await UpdateStatusAsync(rollout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Paused or resized: only sizes change, no rollout step (upstream's sync).</summary>
    private async Task SyncScaleAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        await SyncNewReplicaSetAsync(rollout, create: false, cancellationToken).ConfigureAwait(false);
        await ScaleAsync(rollout, cancellationToken).ConfigureAwait(false);
        if (rollout.Deployment.Spec.Paused == true)
        {
            await CleanupAsync(rollout, cancellationToken).ConfigureAwait(false);
        }

        await SyncDeploymentStatusAsync(rollout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether spec.replicas differs from what an active ReplicaSet was last sized for (its desired-replicas annotation).</summary>
    private async Task<bool> IsScalingEventAsync(Rollout rollout, CancellationToken cancellationToken)
    {
        await SyncNewReplicaSetAsync(rollout, create: false, cancellationToken).ConfigureAwait(false);
        var desired = RolloutMath.Replicas(rollout.Deployment);
        return rollout.All.Where(rs => (rs.Spec?.Replicas ?? 0) > 0)
            .Any(rs => RevisionAnnotations.DesiredReplicasOf(rs) is { } annotated && annotated != desired);
    }
}

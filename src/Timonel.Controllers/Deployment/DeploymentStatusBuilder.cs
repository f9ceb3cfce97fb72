using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Controllers.ReplicaSet;

namespace Timonel.Controllers.Deployment;

/// <summary>A Deployment's status from its ReplicaSets, and upstream's complete / progressing / timed-out tests.</summary>
internal static class DeploymentStatusBuilder
{
    public static V1DeploymentStatus Calculate(IReadOnlyList<V1ReplicaSet> all, V1ReplicaSet? newRs, V1Deployment d, DateTimeOffset now)
    {
        var available = RolloutMath.AvailableReplicas(all);
        var status = new V1DeploymentStatus
        {
            ObservedGeneration = d.Metadata.Generation,
            Replicas = RolloutMath.StatusReplicas(all),
            UpdatedReplicas = RolloutMath.StatusReplicas([newRs]),
            ReadyReplicas = RolloutMath.ReadyReplicas(all),
            AvailableReplicas = available,
            UnavailableReplicas = Math.Max(0, RolloutMath.SpecReplicas(all) - available),
            CollisionCount = d.Status?.CollisionCount,
            Conditions = d.Status?.Conditions?.Select(ObjectCopy.DeepCopy).ToList() ?? [],
        };

        var condition = available >= RolloutMath.Replicas(d) - RolloutMath.MaxUnavailable(d)
            ? DeploymentConditions.New(DeploymentConditions.Available, "True", DeploymentConditions.MinimumReplicasAvailable, "Deployment has minimum availability.", now)
            : DeploymentConditions.New(DeploymentConditions.Available, "False", DeploymentConditions.MinimumReplicasUnavailable, "Deployment does not have minimum availability.", now);
        DeploymentConditions.Set(status, condition);
        return status;
    }

    /// <summary>Every replica updated and available, nothing old left, and the spec observed.</summary>
    public static bool IsComplete(V1Deployment d, V1DeploymentStatus status)
    {
        var replicas = RolloutMath.Replicas(d);
        return (status.UpdatedReplicas ?? 0) == replicas
            && (status.Replicas ?? 0) == replicas
            && (status.AvailableReplicas ?? 0) == replicas
            && (status.ObservedGeneration ?? 0) >= (d.Metadata.Generation ?? 0);
    }

    /// <summary>Whether the rollout moved since the last status: more updated, fewer old, more ready or available.</summary>
    public static bool IsProgressing(V1Deployment d, V1DeploymentStatus newStatus)
    {
        var old = d.Status ?? new V1DeploymentStatus();
        var oldOld = (old.Replicas ?? 0) - (old.UpdatedReplicas ?? 0);
        var newOld = (newStatus.Replicas ?? 0) - (newStatus.UpdatedReplicas ?? 0);
        return (newStatus.UpdatedReplicas ?? 0) > (old.UpdatedReplicas ?? 0)
            || newOld < oldOld
            || (newStatus.ReadyReplicas ?? 0) > (old.ReadyReplicas ?? 0)
            || (newStatus.AvailableReplicas ?? 0) > (old.AvailableReplicas ?? 0);
    }

    public static bool IsTimedOut(V1Deployment d, V1DeploymentStatus newStatus, DateTimeOffset now)
    {
        if (!DeploymentConditions.HasProgressDeadline(d))
        {
            return false;
        }

        var condition = DeploymentConditions.Get(newStatus, DeploymentConditions.Progressing);
        if (condition is null || condition.Reason == DeploymentConditions.NewReplicaSetAvailable)
        {
            return false;
        }

        if (condition.Reason == DeploymentConditions.ProgressDeadlineExceeded)
        {
            return true;
        }

        var from = condition.LastUpdateTime ?? condition.LastTransitionTime;
        return from is { } at && new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)).AddSeconds(d.Spec!.ProgressDeadlineSeconds!.Value) < now;
    }

    public static bool Same(V1DeploymentStatus? a, V1DeploymentStatus b) =>
        a is not null
        && a.ObservedGeneration == b.ObservedGeneration
        && (a.Replicas ?? 0) == (b.Replicas ?? 0)
        && (a.UpdatedReplicas ?? 0) == (b.UpdatedReplicas ?? 0)
        && (a.ReadyReplicas ?? 0) == (b.ReadyReplicas ?? 0)
        && (a.AvailableReplicas ?? 0) == (b.AvailableReplicas ?? 0)
        && (a.UnavailableReplicas ?? 0) == (b.UnavailableReplicas ?? 0)
        && a.CollisionCount == b.CollisionCount
        && ConditionsKey(a.Conditions) == ConditionsKey(b.Conditions);

    private static string ConditionsKey(IList<V1DeploymentCondition>? conditions) =>
        string.Join("|", (conditions ?? []).OrderBy(c => c.Type, StringComparer.Ordinal)
            .Select(c => $"{c.Type}/{c.Status}/{c.Reason}/{c.Message}/{c.LastUpdateTime?.Ticks}/{c.LastTransitionTime?.Ticks}"));
}

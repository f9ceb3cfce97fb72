using k8s.Models;
using Timonel.Client.Controllers;

namespace Timonel.Controllers.ReplicaSet;

/// <summary>A ReplicaSet's status from the pods it controls (upstream's calculateStatus).</summary>
internal static class ReplicaSetStatusBuilder
{
    public const string ReplicaFailure = "ReplicaFailure";

    public static V1ReplicaSetStatus Build(V1ReplicaSet rs, IReadOnlyList<V1Pod> owned, Exception? manageError, DateTimeOffset now)
    {
        var templateLabels = rs.Spec?.Template?.Metadata?.Labels ?? new Dictionary<string, string>();
        var minReady = rs.Spec?.MinReadySeconds ?? 0;
        var status = new V1ReplicaSetStatus
        {
            Replicas = owned.Count,
            FullyLabeledReplicas = owned.Count(p => templateLabels.All(kv => p.Metadata.Labels?.TryGetValue(kv.Key, out var v) == true && v == kv.Value)),
            ReadyReplicas = owned.Count(PodConditions.IsPodReady),
            AvailableReplicas = owned.Count(p => PodConditions.IsPodAvailable(p, minReady, now)),
            ObservedGeneration = rs.Status?.ObservedGeneration,
            Conditions = rs.Status?.Conditions?.Select(ObjectCopy.DeepCopy).ToList(),
        };

        var failure = status.Conditions?.FirstOrDefault(c => c.Type == ReplicaFailure);
        if (manageError is not null && failure is null)
        {
            var reason = owned.Count < (rs.Spec?.Replicas ?? 1) ? "FailedCreate" : "FailedDelete";
            status.Conditions ??= [];
            status.Conditions.Add(new V1ReplicaSetCondition
            {
                Type = ReplicaFailure,
                Status = "True",
                Reason = reason,
                Message = ApiErrors.MessageOf(manageError),
                LastTransitionTime = now.UtcDateTime,
            });
        }
        else if (manageError is null && failure is not null)
        {
            status.Conditions!.Remove(failure);
        }

        if (status.Conditions is { Count: 0 })
        {
            status.Conditions = null;
        }

        return status;
    }

    /// <summary>Whether two statuses say the same thing (generation aside).</summary>
    public static bool Same(V1ReplicaSetStatus? a, V1ReplicaSetStatus b) =>
        a is not null
        && a.Replicas == b.Replicas
        && (a.FullyLabeledReplicas ?? 0) == (b.FullyLabeledReplicas ?? 0)
        && (a.ReadyReplicas ?? 0) == (b.ReadyReplicas ?? 0)
        && (a.AvailableReplicas ?? 0) == (b.AvailableReplicas ?? 0)
        && ConditionsKey(a.Conditions) == ConditionsKey(b.Conditions);

    private static string ConditionsKey(IList<V1ReplicaSetCondition>? conditions) =>
        string.Join("|", (conditions ?? []).Select(c => $"{c.Type}/{c.Status}/{c.Reason}/{c.Message}"));
}

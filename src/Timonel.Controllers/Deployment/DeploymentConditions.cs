using k8s.Models;

namespace Timonel.Controllers.Deployment;

/// <summary>Deployment condition types, reasons and the set/remove rules of upstream's deployment util.</summary>
public static class DeploymentConditions
{
    public const string Available = "Available";
    public const string Progressing = "Progressing";
    public const string ReplicaFailure = "ReplicaFailure";

    public const string MinimumReplicasAvailable = "MinimumReplicasAvailable";
    public const string MinimumReplicasUnavailable = "MinimumReplicasUnavailable";
    public const string NewReplicaSetCreated = "NewReplicaSetCreated";
    public const string FoundNewReplicaSet = "FoundNewReplicaSet";
    public const string ReplicaSetUpdated = "ReplicaSetUpdated";
    public const string NewReplicaSetAvailable = "NewReplicaSetAvailable";
    public const string ProgressDeadlineExceeded = "ProgressDeadlineExceeded";
    public const string DeploymentPaused = "DeploymentPaused";
    public const string DeploymentResumed = "DeploymentResumed";
    public const string ReplicaSetCreateError = "ReplicaSetCreateError";

    public static V1DeploymentCondition New(string type, string status, string reason, string message, DateTimeOffset now)
    {
        // metav1.Time has second precision: keep the same, so a round trip compares equal.
        var at = DateTime.SpecifyKind(new DateTime(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond)), DateTimeKind.Utc);
        return new V1DeploymentCondition { Type = type, Status = status, Reason = reason, Message = message, LastUpdateTime = at, LastTransitionTime = at };
    }

    public static V1DeploymentCondition? Get(V1DeploymentStatus? status, string type) => status?.Conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>Sets a condition; unchanged when status and reason are the same, keeping the transition time when only the reason moves.</summary>
    public static void Set(V1DeploymentStatus status, V1DeploymentCondition condition)
    {
        var current = Get(status, condition.Type);
        if (current is not null && current.Status == condition.Status && current.Reason == condition.Reason)
        {
            return;
        }

        if (current is not null && current.Status == condition.Status)
        {
            condition.LastTransitionTime = current.LastTransitionTime;
        }

        Remove(status, condition.Type);
        status.Conditions ??= [];
        status.Conditions.Add(condition);
    }

    public static void Remove(V1DeploymentStatus status, string type)
    {
        if (status.Conditions is null)
        {
            return;
        }

        foreach (var c in status.Conditions.Where(c => c.Type == type).ToList())
        {
            status.Conditions.Remove(c);
        }
    }

    public static bool HasProgressDeadline(V1Deployment d) => d.Spec?.ProgressDeadlineSeconds is { } s && s != int.MaxValue;
}

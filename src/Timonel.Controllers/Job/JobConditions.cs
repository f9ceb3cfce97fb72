using k8s.Models;

namespace Timonel.Controllers.Job;

/// <summary>Job condition types, reasons and messages as upstream writes them, and helpers to set them.</summary>
internal static class JobConditions
{
    public const string Complete = "Complete";
    public const string Failed = "Failed";
    public const string SuccessCriteriaMet = "SuccessCriteriaMet";
    public const string FailureTarget = "FailureTarget";
    public const string Suspended = "Suspended";

    public const string CompletionsReached = "CompletionsReached";
    public const string CompletionsReachedMessage = "Reached expected number of succeeded pods";
    public const string BackoffLimitExceeded = "BackoffLimitExceeded";
    public const string BackoffLimitExceededMessage = "Job has reached the specified backoff limit";
    public const string DeadlineExceeded = "DeadlineExceeded";
    public const string DeadlineExceededMessage = "Job was active longer than specified deadline";
    public const string PodFailurePolicy = "PodFailurePolicy";

    public static V1JobCondition? Find(V1JobStatus? status, string type) =>
        status?.Conditions?.FirstOrDefault(c => c.Type == type);

    public static bool IsTrue(V1JobStatus? status, string type) => Find(status, type)?.Status == "True";

    /// <summary>Complete or Failed is true: the job will not run pods again.</summary>
    public static bool IsFinished(V1Job job) => IsTrue(job.Status, Complete) || IsTrue(job.Status, Failed);

    /// <summary>
    /// Sets a condition (adding it when absent). Transition and probe times change only when the
    /// status does; returns whether anything changed.
    /// </summary>
    public static bool Set(V1JobStatus status, string type, string conditionStatus, string reason, string message, DateTime now)
    {
        status.Conditions ??= [];
        var existing = status.Conditions.FirstOrDefault(c => c.Type == type);
        if (existing is null)
        {
            status.Conditions.Add(new V1JobCondition { Type = type, Status = conditionStatus, Reason = reason, Message = message, LastProbeTime = now, LastTransitionTime = now });
            return true;
        }

        if (existing.Status == conditionStatus && existing.Reason == reason && existing.Message == message)
        {
            return false;
        }

        if (existing.Status != conditionStatus)
        {
            existing.LastTransitionTime = now;
        }

        existing.Status = conditionStatus;
        existing.Reason = reason;
        existing.Message = message;
        existing.LastProbeTime = now;
        return true;
    }

    /// <summary>Sets an existing condition only (upstream's ensureJobConditionStatus for "Resumed": no condition is added).</summary>
    public static bool Update(V1JobStatus status, string type, string conditionStatus, string reason, string message, DateTime now) =>
        Find(status, type) is not null && Set(status, type, conditionStatus, reason, message, now);
}

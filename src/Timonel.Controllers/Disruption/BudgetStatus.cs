using k8s.Models;
using Timonel.Client.Controllers;

namespace Timonel.Controllers.Disruption;

/// <summary>
/// Upstream's PodDisruptionBudget arithmetic (pkg/controller/disruption): which recorded
/// disruptions still count, how many selected pods are healthy, and the status that follows.
/// Pure functions over the pods and the budget, so the rules can be tested one by one.
/// </summary>
public static class BudgetStatus
{
    /// <summary>Upstream's DeletionTimeout: an evicted pod not deleted within this stops counting as disrupted.</summary>
    public static readonly TimeSpan DeletionTimeout = TimeSpan.FromMinutes(2);

    public const string DisruptionAllowed = "DisruptionAllowed";
    public const string SufficientPods = "SufficientPods";
    public const string InsufficientPods = "InsufficientPods";
    public const string SyncFailed = "SyncFailed";

    /// <summary>
    /// The entries of status.disruptedPods still expected to go (evicted less than
    /// <see cref="DeletionTimeout"/> ago and not yet being deleted), the pods whose deletion is
    /// overdue, and when the earliest kept entry expires (the budget is synced again then).
    /// </summary>
    public static (Dictionary<string, DateTime?> Kept, List<V1Pod> Overdue, DateTimeOffset? Recheck) DisruptedPods(IEnumerable<V1Pod> pods, V1PodDisruptionBudget budget, DateTimeOffset now)
    {
        var kept = new Dictionary<string, DateTime?>(StringComparer.Ordinal);
        var overdue = new List<V1Pod>();
        DateTimeOffset? recheck = null;
        if (budget.Status?.DisruptedPods is not { Count: > 0 } recorded)
        {
            return (kept, overdue, recheck);
        }

        foreach (var pod in pods)
        {
            if (pod.Metadata.DeletionTimestamp is not null || !recorded.TryGetValue(pod.Metadata.Name, out var when) || when is not { } at)
            {
                continue;
            }

            var expected = AsUtc(at) + DeletionTimeout;
            if (expected < now)
            {
                overdue.Add(pod);
                continue;
            }

            kept[pod.Metadata.Name] = at;
            if (recheck is null || expected < recheck)
            {
                recheck = expected;
            }
        }

        return (kept, overdue, recheck);
    }

    /// <summary>Ready pods that are neither being deleted nor recorded as just disrupted.</summary>
    public static int CountHealthy(IEnumerable<V1Pod> pods, IReadOnlyDictionary<string, DateTime?> disrupted, DateTimeOffset now)
    {
        var healthy = 0;
        foreach (var pod in pods)
        {
            if (pod.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            if (disrupted.TryGetValue(pod.Metadata.Name, out var at) && at is { } time && AsUtc(time) + DeletionTimeout > now)
            {
                continue;
            }

            if (PodConditions.IsPodReady(pod))
            {
                healthy++;
            }
        }

        return healthy;
    }

    /// <summary>
    /// The status for these counts. Disruptions are allowed only when some pods are expected:
    /// a budget whose first pods appear before it is synced must not let them be evicted.
    /// </summary>
    public static V1PodDisruptionBudgetStatus Compute(V1PodDisruptionBudget budget, int currentHealthy, int desiredHealthy, int expectedPods, IDictionary<string, DateTime?> disrupted, DateTimeOffset now)
    {
        var allowed = currentHealthy - desiredHealthy;
        if (expectedPods <= 0 || allowed <= 0)
        {
            allowed = 0;
        }

        var status = new V1PodDisruptionBudgetStatus
        {
            CurrentHealthy = currentHealthy,
            DesiredHealthy = desiredHealthy,
            ExpectedPods = expectedPods,
            DisruptionsAllowed = allowed,
            DisruptedPods = disrupted.Count == 0 ? null : disrupted,
            ObservedGeneration = budget.Metadata.Generation,
            Conditions = CopyConditions(budget.Status?.Conditions),
        };
        SetCondition(status, allowed > 0 ? "True" : "False", allowed > 0 ? SufficientPods : InsufficientPods, "", now);
        return status;
    }

    /// <summary>The status a failed sync leaves: no disruption allowed, and why.</summary>
    public static V1PodDisruptionBudgetStatus FailSafe(V1PodDisruptionBudget budget, string message, DateTimeOffset now)
    {
        var old = budget.Status;
        var status = new V1PodDisruptionBudgetStatus
        {
            CurrentHealthy = old?.CurrentHealthy ?? 0,
            DesiredHealthy = old?.DesiredHealthy ?? 0,
            ExpectedPods = old?.ExpectedPods ?? 0,
            DisruptionsAllowed = 0,
            DisruptedPods = old?.DisruptedPods,
            ObservedGeneration = old?.ObservedGeneration,
            Conditions = CopyConditions(old?.Conditions),
        };
        SetCondition(status, "False", SyncFailed, message, now);
        return status;
    }

    /// <summary>True when writing <paramref name="next"/> would change nothing upstream compares.</summary>
    public static bool IsUpToDate(V1PodDisruptionBudget budget, V1PodDisruptionBudgetStatus next)
    {
        var current = budget.Status;
        if (current is null
            || current.CurrentHealthy != next.CurrentHealthy
            || current.DesiredHealthy != next.DesiredHealthy
            || current.ExpectedPods != next.ExpectedPods
            || current.DisruptionsAllowed != next.DisruptionsAllowed
            || current.ObservedGeneration != budget.Metadata.Generation
            || !SameDisruptedPods(current.DisruptedPods, next.DisruptedPods))
        {
            return false;
        }

        var condition = current.Conditions?.FirstOrDefault(c => c.Type == DisruptionAllowed);
        return condition is not null && (current.DisruptionsAllowed > 0
            ? condition.Status == "True" && condition.Reason == SufficientPods
            : condition.Status == "False" && condition.Reason == InsufficientPods);
    }

    // apimeta.SetStatusCondition: the transition time moves only when the status changes.
    private static void SetCondition(V1PodDisruptionBudgetStatus status, string value, string reason, string message, DateTimeOffset now)
    {
        status.Conditions ??= [];
        var condition = status.Conditions.FirstOrDefault(c => c.Type == DisruptionAllowed);
        if (condition is null)
        {
            condition = new V1Condition { Type = DisruptionAllowed, LastTransitionTime = now.UtcDateTime };
            status.Conditions.Add(condition);
        }
        else if (condition.Status != value)
        {
            condition.LastTransitionTime = now.UtcDateTime;
        }

        condition.Status = value;
        condition.Reason = reason;
        condition.Message = message;
        condition.ObservedGeneration = status.ObservedGeneration;
    }

    private static List<V1Condition> CopyConditions(IList<V1Condition>? conditions) =>
        conditions?.Select(c => new V1Condition
        {
            Type = c.Type,
            Status = c.Status,
            Reason = c.Reason,
            Message = c.Message,
            LastTransitionTime = c.LastTransitionTime,
            ObservedGeneration = c.ObservedGeneration,
        }).ToList() ?? [];

    private static bool SameDisruptedPods(IDictionary<string, DateTime?>? a, IDictionary<string, DateTime?>? b)
    {
        var left = a ?? new Dictionary<string, DateTime?>();
        var right = b ?? new Dictionary<string, DateTime?>();
        return left.Count == right.Count && left.All(e => right.TryGetValue(e.Key, out var t) && Utc(t) == Utc(e.Value));
    }

    private static DateTimeOffset? Utc(DateTime? time) => time is { } t ? AsUtc(t) : null;

    private static DateTimeOffset AsUtc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}

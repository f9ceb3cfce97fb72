using k8s.Models;

namespace Timonel.Controllers.Autoscaling;

/// <summary>
/// Upstream's groupPods: the selected pods sorted into ready ones (counted), unready ones (pending,
/// or for CPU not ready long enough to trust the sample), ones with no sample (missing) and ones
/// left out entirely (being deleted, or failed).
/// </summary>
internal sealed record PodGroups(int ReadyCount, HashSet<string> Unready, HashSet<string> Missing, HashSet<string> Ignored)
{
    public static PodGroups Of(IReadOnlyList<V1Pod> pods, IReadOnlyDictionary<string, PodMetric> metrics, string resource, HpaOptions options, DateTimeOffset now)
    {
        var ready = 0;
        HashSet<string> unready = new(StringComparer.Ordinal), missing = new(StringComparer.Ordinal), ignored = new(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var name = pod.Metadata.Name;
            if (pod.Metadata.DeletionTimestamp is not null || pod.Status?.Phase == "Failed")
            {
                ignored.Add(name);
                continue;
            }

            if (pod.Status?.Phase == "Pending")
            {
                unready.Add(name);
                continue;
            }

            if (!metrics.TryGetValue(name, out var metric))
            {
                missing.Add(name);
                continue;
            }

            if (resource == "cpu" && IsUnreadyForCpu(pod, metric, options, now))
            {
                unready.Add(name);
                continue;
            }

            ready++;
        }

        return new PodGroups(ready, unready, missing, ignored);
    }

    // A CPU sample is distorted while a pod starts: within the initialization period it counts only
    // when the pod is ready and a whole window was measured since it turned so; after it, a pod is
    // left out only when it is unready and has never been ready (its last transition came within
    // the initial readiness delay of its start).
    private static bool IsUnreadyForCpu(V1Pod pod, PodMetric metric, HpaOptions options, DateTimeOffset now)
    {
        var condition = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        if (condition is null || pod.Status?.StartTime is not { } started)
        {
            return true;
        }

        var start = new DateTimeOffset(DateTime.SpecifyKind(started, DateTimeKind.Utc));
        var transition = condition.LastTransitionTime is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : DateTimeOffset.MinValue;
        if (start + options.CpuInitializationPeriod > now)
        {
            return condition.Status == "False" || (transition != DateTimeOffset.MinValue && metric.Timestamp < transition + metric.Window);
        }

        return condition.Status == "False" && start + options.InitialReadinessDelay > transition;
    }
}

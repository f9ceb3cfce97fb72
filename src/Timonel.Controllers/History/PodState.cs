using k8s.Models;

namespace Timonel.Controllers.History;

/// <summary>The facts about a pod that StatefulSet and DaemonSet decisions turn on (upstream's podutil helpers).</summary>
public static class PodState
{
    public static bool IsTerminating(V1Pod pod) => pod.Metadata.DeletionTimestamp is not null;

    /// <summary>Failed or Succeeded: the pod will never run again and must be replaced.</summary>
    public static bool HasFinished(V1Pod pod) => pod.Status?.Phase is "Failed" or "Succeeded";

    public static bool IsReady(V1Pod pod) => ReadyCondition(pod)?.Status == "True";

    public static bool IsRunningAndReady(V1Pod pod) => pod.Status?.Phase == "Running" && IsReady(pod);

    /// <summary>Ready for at least <paramref name="minReadySeconds"/> (upstream's IsPodAvailable).</summary>
    public static bool IsAvailable(V1Pod pod, int minReadySeconds, DateTimeOffset now)
    {
        if (!IsReady(pod))
        {
            return false;
        }

        if (minReadySeconds <= 0)
        {
            return true;
        }

        var since = ReadyCondition(pod)?.LastTransitionTime;
        return since is { } t && new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)).AddSeconds(minReadySeconds) <= now;
    }

    /// <summary>When an available-but-not-yet pod will become available, so a sync can be scheduled then.</summary>
    public static TimeSpan? TimeUntilAvailable(V1Pod pod, int minReadySeconds, DateTimeOffset now)
    {
        if (minReadySeconds <= 0 || !IsReady(pod) || ReadyCondition(pod)?.LastTransitionTime is not { } t)
        {
            return null;
        }

        var left = new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)).AddSeconds(minReadySeconds) - now;
        return left > TimeSpan.Zero ? left : null;
    }

    private static V1PodCondition? ReadyCondition(V1Pod pod) => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
}

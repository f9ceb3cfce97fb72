using k8s.Models;

namespace Timonel.Controllers.ReplicaSet;

/// <summary>Upstream's podutil predicates on pods: active, ready, available.</summary>
public static class PodStates
{
    /// <summary>Counted by its owner: not terminating and not finished (Succeeded or Failed).</summary>
    public static bool IsActive(V1Pod pod) =>
        pod.Metadata?.DeletionTimestamp is null && pod.Status?.Phase is not ("Succeeded" or "Failed");

    public static bool IsReady(V1Pod pod) => ReadyCondition(pod)?.Status == "True";

    /// <summary>Ready for at least <paramref name="minReadySeconds"/> at <paramref name="now"/>.</summary>
    public static bool IsAvailable(V1Pod pod, int minReadySeconds, DateTimeOffset now)
    {
        var ready = ReadyCondition(pod);
        if (ready?.Status != "True")
        {
            return false;
        }

        if (minReadySeconds <= 0)
        {
            return true;
        }

        return ready.LastTransitionTime is { } since && new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc)).AddSeconds(minReadySeconds) <= now;
    }

    /// <summary>When the pod last became ready, or null when it is not ready.</summary>
    public static DateTime? ReadySince(V1Pod pod)
    {
        var ready = ReadyCondition(pod);
        return ready?.Status == "True" ? ready.LastTransitionTime : null;
    }

    public static V1OwnerReference? ControllerOf(V1ObjectMeta? meta) => meta?.OwnerReferences?.FirstOrDefault(r => r.Controller == true);

    private static V1PodCondition? ReadyCondition(V1Pod pod) => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
}

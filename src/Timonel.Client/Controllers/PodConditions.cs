using k8s.Models;

namespace Timonel.Client.Controllers;

/// <summary>
/// Upstream's predicates on a pod's phase and conditions (k8s.io/kubernetes/pkg/api/v1/pod/util.go
/// and pkg/controller/controller_utils.go), one definition for every controller.
/// </summary>
public static class PodConditions
{
    public const string Ready = "Ready";

    /// <summary>podutil.IsPodReady: the Ready condition is True, whatever the phase.</summary>
    public static bool IsPodReady(V1Pod pod) => ReadyCondition(pod)?.Status == "True";

    /// <summary>
    /// podutil.IsPodAvailable: ready, and (unless <paramref name="minReadySeconds"/> is 0) ready for
    /// <paramref name="minReadySeconds"/> at <paramref name="now"/>. Upstream wants strictly more; here
    /// the boundary second counts, as every controller here always has (and its tests pin), so that a
    /// sync scheduled exactly minReadySeconds after readiness sees the pod available.
    /// </summary>
    public static bool IsPodAvailable(V1Pod pod, int minReadySeconds, DateTimeOffset now)
    {
        if (!IsPodReady(pod))
        {
            return false;
        }

        if (minReadySeconds <= 0)
        {
            return true;
        }

        return ReadyCondition(pod)!.LastTransitionTime is { } since && AsUtc(since).AddSeconds(minReadySeconds) <= now;
    }

    /// <summary>
    /// How long until a ready pod becomes available, for a sync to be scheduled then; null when it is
    /// already available or never will be without another change.
    /// </summary>
    public static TimeSpan? TimeUntilAvailable(V1Pod pod, int minReadySeconds, DateTimeOffset now)
    {
        if (minReadySeconds <= 0 || !IsPodReady(pod) || ReadyCondition(pod)!.LastTransitionTime is not { } since)
        {
            return null;
        }

        var left = AsUtc(since).AddSeconds(minReadySeconds) - now;
        return left > TimeSpan.Zero ? left : null;
    }

    /// <summary>When the pod last became ready, or null when it is not ready.</summary>
    public static DateTime? ReadySince(V1Pod pod) => IsPodReady(pod) ? ReadyCondition(pod)!.LastTransitionTime : null;

    /// <summary>controller.IsPodActive: neither Succeeded nor Failed, and not being deleted.</summary>
    public static bool IsPodActive(V1Pod pod) =>
        pod.Status?.Phase is not ("Succeeded" or "Failed") && pod.Metadata?.DeletionTimestamp is null;

    /// <summary>podutil.IsPodTerminal: Succeeded or Failed; the pod never runs again.</summary>
    public static bool IsPodTerminal(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    /// <summary>Being deleted (has a deletionTimestamp), finished or not.</summary>
    public static bool IsPodTerminating(V1Pod pod) => pod.Metadata?.DeletionTimestamp is not null;

    /// <summary>The Running phase with the Ready condition True (StatefulSet's isRunningAndReady).</summary>
    public static bool IsRunningAndReady(V1Pod pod) => pod.Status?.Phase == "Running" && IsPodReady(pod);

    /// <summary>podutil.GetPodCondition: the first condition of <paramref name="type"/>, or null.</summary>
    public static V1PodCondition? GetPodCondition(V1PodStatus? status, string type) =>
        status?.Conditions?.FirstOrDefault(c => c.Type == type);

    private static V1PodCondition? ReadyCondition(V1Pod pod) => GetPodCondition(pod.Status, Ready);

    private static DateTimeOffset AsUtc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}

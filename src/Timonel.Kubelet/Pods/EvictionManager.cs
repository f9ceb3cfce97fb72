using k8s.Models;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Upstream's eviction manager for emptyDir sizeLimit: every check interval a pod's disk
/// emptyDirs are measured; one over its limit gets the pod evicted — its containers killed with
/// <see cref="GraceSeconds"/> of grace and the pod left Failed with reason Evicted. Node-pressure
/// evictions (<see cref="DiskPressureMonitor"/>) are handed to the pod's worker the same way,
/// through <see cref="Request"/>. Thread-safe.
/// </summary>
public sealed class EvictionManager
{
    public const string EvictedReason = "Evicted";

    /// <summary>Upstream kills an evicted pod with no grace beyond its 2 s minimum.</summary>
    public const long GraceSeconds = 2;

    private readonly TimeSpan _checkInterval;
    private readonly TimeProvider _time;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _requested = new(StringComparer.Ordinal);

    public EvictionManager(TimeSpan checkInterval, TimeProvider time)
    {
        _checkInterval = checkInterval;
        _time = time;
    }

    /// <summary>Asks that the pod (by UID) be evicted with the message at its worker's next sync.</summary>
    public void Request(string uid, string message) => _requested.TryAdd(uid, message);

    /// <summary>Why the pod must be evicted now (a node-pressure request first); null when it may stay.</summary>
    internal string? Violation(V1Pod pod, PodVolumes volumes, PodState state) =>
        _requested.TryRemove(pod.Metadata.Uid, out var message) ? message : EmptyDirViolation(pod, volumes, state);

    /// <summary>Why the pod must be evicted now; null when it may stay (or was measured less than an interval ago).</summary>
    internal string? EmptyDirViolation(V1Pod pod, PodVolumes volumes, PodState state)
    {
        var now = _time.GetUtcNow();
        if (now - state.LastEmptyDirCheck < _checkInterval || !volumes.AllReady(pod))
        {
            return null;
        }

        state.LastEmptyDirCheck = now;
        return volumes.EmptyDirLimitViolation(pod);
    }

    /// <summary>The status upstream gives an evicted pod: Failed, reason Evicted, and a DisruptionTarget condition.</summary>
    public static void MarkEvicted(V1PodStatus status, V1Pod pod, string message, DateTime now)
    {
        status.Phase = "Failed";
        status.Reason = EvictedReason;
        status.Message = message;
        var previous = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "DisruptionTarget");
        status.Conditions.Add(new V1PodCondition
        {
            Type = "DisruptionTarget",
            Status = "True",
            Reason = "TerminationByKubelet",
            Message = message,
            LastTransitionTime = previous?.Status == "True" ? previous.LastTransitionTime : now,
        });
        foreach (var c in status.Conditions.Where(c => c.Type is "Ready" or "ContainersReady"))
        {
            c.Status = "False";
            c.Reason = "PodCompleted";
            c.Message = null;
        }
    }
}

using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Queue;

/// <summary>A pod waiting in the scheduling queue, with its attempt history.</summary>
public sealed class QueuedPodInfo
{
    public QueuedPodInfo(PodInfo pod, DateTimeOffset now)
    {
        Pod = pod;
        Timestamp = now;
        InitialAttemptTimestamp = now;
    }

    public PodInfo Pod { get; set; }

    /// <summary>When the pod was last added to a queue (orders equal priorities, older first).</summary>
    public DateTimeOffset Timestamp { get; set; }

    public DateTimeOffset InitialAttemptTimestamp { get; }

    public int Attempts { get; set; }

    /// <summary>Plugins that rejected the pod in its last attempt; only their events move it back.</summary>
    public HashSet<string> UnschedulablePlugins { get; } = new(StringComparer.Ordinal);

    /// <summary>Set when the last attempt failed with an error rather than a rejection: any event retries it.</summary>
    public bool LastFailureWasError { get; set; }

    /// <summary>Tie-breaker for identical priority and timestamp, so sorted sets keep distinct entries.</summary>
    internal long Sequence { get; set; }

    internal DateTimeOffset BackoffExpiry { get; set; }
}

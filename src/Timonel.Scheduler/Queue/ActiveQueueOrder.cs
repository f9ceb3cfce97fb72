namespace Timonel.Scheduler.Queue;

/// <summary>PrioritySort: higher priority first, then the pod queued earlier, as upstream's queue sort plugin.</summary>
internal sealed class ActiveQueueOrder : IComparer<QueuedPodInfo>
{
    public static ActiveQueueOrder Instance { get; } = new();

    public int Compare(QueuedPodInfo? x, QueuedPodInfo? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        var c = y!.Pod.Priority.CompareTo(x!.Pod.Priority);
        if (c != 0)
        {
            return c;
        }

        c = x.Timestamp.CompareTo(y.Timestamp);
        return c != 0 ? c : x.Sequence.CompareTo(y.Sequence);
    }
}

/// <summary>Backoff queue order: earliest backoff expiry first.</summary>
internal sealed class BackoffQueueOrder : IComparer<QueuedPodInfo>
{
    public static BackoffQueueOrder Instance { get; } = new();

    public int Compare(QueuedPodInfo? x, QueuedPodInfo? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        var c = x!.BackoffExpiry.CompareTo(y!.BackoffExpiry);
        return c != 0 ? c : x.Sequence.CompareTo(y.Sequence);
    }
}

namespace Timonel.Scheduler.Queue;

/// <summary>Queue timings; the defaults are kube-scheduler's.</summary>
public sealed class SchedulingQueueOptions
{
    /// <summary>Backoff after the first failed attempt (podInitialBackoffSeconds, default 1 s); doubles per attempt.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest backoff (podMaxBackoffSeconds, default 10 s).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>An unschedulable pod is retried after this long even if no event moved it (default 5 min).</summary>
    public TimeSpan MaxInUnschedulablePods { get; init; } = TimeSpan.FromMinutes(5);

    public void Validate()
    {
        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentException("podInitialBackoffSeconds must be positive and at most podMaxBackoffSeconds");
        }
    }
}

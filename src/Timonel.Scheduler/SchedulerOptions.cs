namespace Timonel.Scheduler;

/// <summary>Scheduler-wide settings; the defaults are kube-scheduler's unless said otherwise.</summary>
public sealed class SchedulerOptions
{
    /// <summary>Threads used by Filter and Score over nodes (default: processor count).</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>How long a bound-but-unconfirmed assumed pod stays in the cache (default 30 s).</summary>
    public TimeSpan AssumedPodTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Seed of the tie-breaking random choice among equally scored nodes (null: random).</summary>
    public int? RandomSeed { get; init; }

    public void Validate()
    {
        if (Parallelism < 1)
        {
            throw new ArgumentException("parallelism must be at least 1");
        }

        if (AssumedPodTtl <= TimeSpan.Zero)
        {
            throw new ArgumentException("the assumed pod TTL must be positive");
        }
    }
}

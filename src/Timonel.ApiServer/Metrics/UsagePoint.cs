namespace Timonel.ApiServer.Metrics;

/// <summary>Usage over a window ending at <see cref="Timestamp"/>: CPU in cores, memory working set in bytes.</summary>
internal sealed record UsagePoint(decimal CpuCores, decimal MemoryBytes, DateTimeOffset Timestamp, TimeSpan Window);

/// <summary>One container's usage in a pod's metrics.</summary>
internal sealed record ContainerUsage(string Name, decimal CpuCores, decimal MemoryBytes);

/// <summary>A pod's usage: its containers', over one window.</summary>
internal sealed record PodUsage(IReadOnlyList<ContainerUsage> Containers, DateTimeOffset Timestamp, TimeSpan Window);

/// <summary>
/// The usage the collector last computed, swapped whole after each round so readers never see a
/// round half-applied.
/// </summary>
internal sealed record MetricsSnapshot(IReadOnlyDictionary<string, UsagePoint> Nodes, IReadOnlyDictionary<PodKey, PodUsage> Pods)
{
    public static MetricsSnapshot Empty { get; } = new(new Dictionary<string, UsagePoint>(), new Dictionary<PodKey, PodUsage>());
}

/// <summary>Where the collector publishes and the metrics endpoint reads.</summary>
internal sealed class MetricsStore
{
    private MetricsSnapshot _current = MetricsSnapshot.Empty;

    public MetricsSnapshot Current => Volatile.Read(ref _current);

    public void Publish(MetricsSnapshot snapshot) => Volatile.Write(ref _current, snapshot);
}

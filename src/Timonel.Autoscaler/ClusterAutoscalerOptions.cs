namespace Timonel.Autoscaler;

/// <summary>Upstream cluster-autoscaler's flags that Timonel follows, with upstream's defaults.</summary>
public sealed record ClusterAutoscalerOptions
{
    /// <summary>--scan-interval: how often the cluster is looked at.</summary>
    public TimeSpan ScanInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>--expander: least-waste or random.</summary>
    public string Expander { get; init; } = Simulation.Expander.LeastWaste;

    /// <summary>--scale-down-enabled.</summary>
    public bool ScaleDownEnabled { get; init; } = true;

    /// <summary>--scale-down-utilization-threshold: below this share of requests a node may go.</summary>
    public double ScaleDownUtilizationThreshold { get; init; } = 0.5;

    /// <summary>--scale-down-unneeded-time: how long a node must be unneeded before it goes.</summary>
    public TimeSpan ScaleDownUnneededTime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>--scale-down-delay-after-add: no scale-down this long after a scale-up.</summary>
    public TimeSpan ScaleDownDelayAfterAdd { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>--scale-down-delay-after-delete: no scale-down this long after a node was removed (upstream: the scan interval).</summary>
    public TimeSpan ScaleDownDelayAfterDelete { get; init; } = TimeSpan.Zero;

    /// <summary>--max-empty-bulk-delete: empty nodes removed at once.</summary>
    public int MaxEmptyBulkDelete { get; init; } = 10;

    /// <summary>--max-pod-eviction-time: how long evictions of a draining node's pods are retried before the drain is given up.</summary>
    public TimeSpan MaxPodEvictionTime { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>--max-graceful-termination-sec: how long evicted pods may take to go before the node is removed anyway.</summary>
    public TimeSpan MaxGracefulTermination { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>--max-node-provision-time's counterpart for registered nodes (upstream's MaxNodeStartupTime): a group's node not Ready this long after it registered stops counting as upcoming.</summary>
    public TimeSpan MaxNodeStartupTime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the same pod gets another NotTriggerScaleUp event (upstream rate-limits them too).</summary>
    public TimeSpan NotTriggerScaleUpEventInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Null when valid, else a message naming the flag.</summary>
    public string? Validate() =>
        ScanInterval <= TimeSpan.Zero ? "--scan-interval must be a positive duration such as 10s"
        : !Simulation.Expander.Names.Contains(Expander) ? $"--expander \"{Expander}\" is not supported: use least-waste or random"
        : ScaleDownUtilizationThreshold is <= 0 or > 1 ? "--scale-down-utilization-threshold must be above 0 and at most 1, such as 0.5"
        : ScaleDownUnneededTime < TimeSpan.Zero || ScaleDownDelayAfterAdd < TimeSpan.Zero || ScaleDownDelayAfterDelete < TimeSpan.Zero ? "--scale-down-* durations must not be negative"
        : null;
}

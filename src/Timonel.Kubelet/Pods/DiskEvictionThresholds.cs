namespace Timonel.Kubelet.Pods;

/// <summary>
/// The eviction manager's hard disk thresholds (upstream's --eviction-hard defaults
/// imagefs.available&lt;15% and nodefs.available&lt;10%) and its timing.
/// </summary>
public sealed record DiskEvictionThresholds
{
    /// <summary>imagefs.available: below this percent of the image filesystem free, the node is under disk pressure.</summary>
    public int ImageFsAvailablePercent { get; init; } = 15;

    /// <summary>nodefs.available: below this percent of the node filesystem free, the node is under disk pressure.</summary>
    public int NodeFsAvailablePercent { get; init; } = 10;

    /// <summary>How long DiskPressure stays True after the thresholds were last met (upstream's --eviction-pressure-transition-period, 5m).</summary>
    public TimeSpan PressureTransitionPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the filesystems are observed (upstream's eviction monitoring interval, 10 s).</summary>
    public TimeSpan MonitoringInterval { get; init; } = TimeSpan.FromSeconds(10);
}

namespace Timonel.Controllers.Autoscaling;

/// <summary>
/// kube-controller-manager's --horizontal-pod-autoscaler-* settings, with upstream 1.33's defaults.
/// </summary>
public sealed record HpaOptions
{
    /// <summary>--horizontal-pod-autoscaler-sync-period: how often every autoscaler is reconciled.</summary>
    public TimeSpan SyncPeriod { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>--horizontal-pod-autoscaler-tolerance: a usage ratio this close to 1.0 changes nothing.</summary>
    public double Tolerance { get; init; } = 0.1;

    /// <summary>
    /// --horizontal-pod-autoscaler-downscale-stabilization: how far back the highest recommendation
    /// holds a scale-down (and behavior.scaleDown's window when it sets none).
    /// </summary>
    public TimeSpan DownscaleStabilizationWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>--horizontal-pod-autoscaler-cpu-initialization-period: after a pod starts, its CPU samples count only once it is ready and a full window was measured since.</summary>
    public TimeSpan CpuInitializationPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>--horizontal-pod-autoscaler-initial-readiness-delay: a pod that turned unready within this of its start is taken as never having been ready.</summary>
    public TimeSpan InitialReadinessDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Null when valid, else a message naming the flag.</summary>
    public string? Validate()
    {
        if (SyncPeriod <= TimeSpan.Zero)
        {
            return "--horizontal-pod-autoscaler-sync-period must be a positive duration such as 15s";
        }

        if (Tolerance < 0 || double.IsNaN(Tolerance))
        {
            return "--horizontal-pod-autoscaler-tolerance must be zero or more, such as 0.1";
        }

        return DownscaleStabilizationWindow < TimeSpan.Zero || CpuInitializationPeriod < TimeSpan.Zero || InitialReadinessDelay < TimeSpan.Zero
            ? "--horizontal-pod-autoscaler-downscale-stabilization, -cpu-initialization-period and -initial-readiness-delay must not be negative"
            : null;
    }
}

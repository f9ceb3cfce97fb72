namespace Timonel.Simulator;

/// <summary>Timings of the simulated kubelets, with the real kubelet's defaults; tests shorten them.</summary>
public sealed record NodeSimulatorOptions
{
    /// <summary>How often each node's Lease is renewed (kubelet: a quarter of the 40 s lease duration).</summary>
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The Lease's leaseDurationSeconds (kubelet --node-lease-duration-seconds).</summary>
    public int LeaseDurationSeconds { get; init; } = 40;

    /// <summary>How often an unchanged node status is re-posted (kubelet nodeStatusReportFrequency).</summary>
    public TimeSpan StatusReportFrequency { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often each simulated pod's kubelet worker relists its containers (the real kubelet: 1 s).
    /// Longer, because nothing changes under a hollow runtime unseen: container exits the
    /// simulator drives wake the pod's worker at once, and so do pod updates and probe results.
    /// At 1 s, 30,000 simulated pods would cost 30,000 syncs a second.
    /// </summary>
    public TimeSpan PodRelistInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Concurrent heartbeat writers, staggered by each node's own timer. 1,000 nodes renewing every
    /// 10 s need 100 writes/s: with 4 writers a write slower than 40 ms (any busy server) left
    /// Leases stale, the nodes went Unknown and their pods were evicted.
    /// </summary>
    public int NodeWorkers { get; init; } = 16;
}

namespace Timonel.Client.LeaderElection;

/// <summary>
/// Settings of one <see cref="LeaderElector"/>; the defaults are client-go's (and
/// kube-scheduler's / kube-controller-manager's). The lock is a coordination.k8s.io/v1 Lease.
/// </summary>
/// <remarks>
/// Safety rests on the ordering LeaseDuration &gt; RenewDeadline &gt; RetryPeriod × 1.2: a leader
/// that cannot renew gives up (cancels its work) RenewDeadline after its renewal round began,
/// while every other candidate waits LeaseDuration, measured on its own clock from when it
/// last saw the lease change, before it takes over.
/// </remarks>
public sealed record LeaderElectionConfig
{
    /// <summary>Candidates wait the retry period plus up to this fraction more between attempts (client-go's JitterFactor).</summary>
    public const double JitterFactor = 1.2;

    /// <summary>Namespace of the Lease (kube-system for the control plane's components).</summary>
    public required string LeaseNamespace { get; init; }

    /// <summary>Name of the Lease (e.g. kube-scheduler, kube-controller-manager).</summary>
    public required string LeaseName { get; init; }

    /// <summary>This candidate's identity, unique across candidates (upstream: hostname_uuid).</summary>
    public required string Identity { get; init; }

    /// <summary>How long non-leaders wait after the last observed change before taking over (default 15 s).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps retrying a failed renewal before it gives up leadership (default 10 s).</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Interval between acquisition attempts and between renewals (default 2 s).</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// On cancellation, the leader clears holderIdentity (and sets leaseDurationSeconds=1) so a
    /// successor starts at once instead of after LeaseDuration. Default true; client-go's
    /// default is false, but every control-plane component of upstream turns it on.
    /// </summary>
    public bool ReleaseOnCancel { get; init; } = true;

    /// <summary>The clock (tests inject their own).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting that breaks the rules above.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(LeaseNamespace) || string.IsNullOrWhiteSpace(LeaseName))
        {
            throw new ArgumentException("LeaseNamespace and LeaseName are required");
        }

        if (string.IsNullOrWhiteSpace(Identity))
        {
            throw new ArgumentException("Identity is required: each candidate needs a unique one");
        }

        if (RetryPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentException($"RetryPeriod ({RetryPeriod}) must be positive");
        }

        if (RenewDeadline <= RetryPeriod * JitterFactor)
        {
            throw new ArgumentException($"RenewDeadline ({RenewDeadline}) must be greater than RetryPeriod × {JitterFactor} ({RetryPeriod * JitterFactor})");
        }

        if (LeaseDuration <= RenewDeadline)
        {
            throw new ArgumentException($"LeaseDuration ({LeaseDuration}) must be greater than RenewDeadline ({RenewDeadline})");
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"LeaseDuration ({LeaseDuration}) must be at least one second (the Lease stores whole seconds)");
        }
    }
}

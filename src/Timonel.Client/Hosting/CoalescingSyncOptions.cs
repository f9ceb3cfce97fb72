namespace Timonel.Client.Hosting;

/// <summary>Timings of a <see cref="CoalescingSyncLoop"/>; each default is what a node component wants unless it says otherwise.</summary>
public sealed record CoalescingSyncOptions
{
    /// <summary>The loop's name in logs (the component it syncs).</summary>
    public required string Name { get; init; }

    /// <summary>
    /// Least time between the starts of two passes: requests that come sooner wait and join one
    /// pass (kube-proxy's --min-sync-period). Zero (the default) runs a pass as soon as one is requested.
    /// </summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.Zero;

    /// <summary>Longest time without a full pass: after it the loop runs one, requested or not (default 5 minutes).</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Pause after the first failed pass; it doubles with each further failure (default 1 second).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest pause between failed passes (default 30 seconds).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException("a sync loop needs a name");
        }

        if (MinInterval < TimeSpan.Zero)
        {
            throw new ArgumentException($"{Name}: the minimum sync interval must not be negative");
        }

        if (ResyncPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{Name}: the resync period must be positive");
        }

        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentException($"{Name}: the backoff must be positive, and its maximum at least its start");
        }
    }
}

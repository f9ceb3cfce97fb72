namespace Timonel.Kubelet.Images;

/// <summary>
/// When the node removes unused images (upstream's ImageGCPolicy): once the image filesystem is
/// <see cref="HighThresholdPercent"/> full, least recently used images go until it is
/// <see cref="LowThresholdPercent"/> full; an image seen less than <see cref="MinAge"/> ago stays;
/// one unused for longer than <see cref="MaxAge"/> goes whatever the usage (0: never by age).
/// </summary>
public sealed record ImageGcPolicy
{
    /// <summary>--image-gc-high-threshold: percent of the image filesystem in use that starts a collection (upstream default 85; 100 never starts one).</summary>
    public int HighThresholdPercent { get; init; } = 85;

    /// <summary>--image-gc-low-threshold: percent of the image filesystem in use a collection frees down to (upstream default 80).</summary>
    public int LowThresholdPercent { get; init; } = 80;

    /// <summary>--image-minimum-gc-age: an image first seen more recently is never removed (upstream default 2m).</summary>
    public TimeSpan MinAge { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>--image-maximum-gc-age: an image unused for longer is removed even below the thresholds; zero (default) turns this off.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.Zero;

    /// <summary>How often images are detected and collected (upstream's ImageGCPeriod, 5 min).</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>What is wrong with the policy, each message naming its flag; empty when it is valid (upstream's kubelet config validation).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (HighThresholdPercent is < 0 or > 100)
        {
            errors.Add($"--image-gc-high-threshold {HighThresholdPercent} must be between 0 and 100, inclusive");
        }

        if (LowThresholdPercent is < 0 or > 100)
        {
            errors.Add($"--image-gc-low-threshold {LowThresholdPercent} must be between 0 and 100, inclusive");
        }

        if (LowThresholdPercent >= HighThresholdPercent)
        {
            errors.Add($"--image-gc-low-threshold {LowThresholdPercent} must be less than --image-gc-high-threshold {HighThresholdPercent}");
        }

        if (MinAge < TimeSpan.Zero)
        {
            errors.Add($"--image-minimum-gc-age {Go(MinAge)} must not be negative");
        }

        if (MaxAge < TimeSpan.Zero)
        {
            errors.Add($"--image-maximum-gc-age {Go(MaxAge)} must not be negative");
        }
        else if (MaxAge != TimeSpan.Zero && MaxAge <= MinAge)
        {
            errors.Add($"--image-maximum-gc-age {Go(MaxAge)} must be greater than --image-minimum-gc-age {Go(MinAge)}");
        }

        return errors;
    }

    private static string Go(TimeSpan duration) => duration < TimeSpan.Zero ? "-" + Pods.GoDuration.Milliseconds(-duration) : Pods.GoDuration.Milliseconds(duration);
}

namespace Timonel.Kubelet.Pods;

/// <summary>Durations written as Go's time.Duration prints them ("313ms", "1.594s", "2m3.5s"), for event texts that match upstream's.</summary>
internal static class GoDuration
{
    /// <summary>The duration truncated to milliseconds, as the kubelet's Pulled event does.</summary>
    public static string Milliseconds(TimeSpan duration)
    {
        var ms = Math.Max(0, (long)duration.TotalMilliseconds);
        if (ms == 0)
        {
            return "0s";
        }

        if (ms < 1000)
        {
            return $"{ms}ms";
        }

        var hours = ms / 3_600_000;
        var minutes = ms / 60_000 % 60;
        var seconds = ms / 1000 % 60;
        var fraction = ms % 1000;
        var secondsText = fraction == 0 ? $"{seconds}s" : $"{seconds}.{fraction:000}".TrimEnd('0') + "s";
        return hours > 0 ? $"{hours}h{minutes}m{secondsText}"
            : minutes > 0 ? $"{minutes}m{secondsText}"
            : secondsText;
    }
}

namespace Timonel.ApiServer.Metrics.History;

/// <summary>
/// A container's recommended requests from its history, as the VerticalPodAutoscaler
/// recommender's target: CPU at the 90th percentile of the decayed CPU histogram, memory at the
/// peak of the kept intervals, each raised by a <see cref="SafetyMargin"/> of 15 %; CPU rounded
/// up to whole millicores and memory to whole MiB. Until a container has <see cref="MinSamples"/>
/// samples there is not enough history and no target is given.
/// </summary>
internal static class Recommender
{
    public const double CpuPercentile = 0.9;
    public const decimal SafetyMargin = 0.15m;

    /// <summary>Samples needed before a target is given (at the default 15 s resolution, 2.5 minutes).</summary>
    public const int MinSamples = 10;

    private const decimal Mi = 1024 * 1024;

    public static ContainerRecommendation Recommend(ContainerHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var enough = history.Samples >= MinSamples;
        decimal? cpu = enough ? decimal.Ceiling(history.CpuPercentile(CpuPercentile) * (1 + SafetyMargin) * 1000m) / 1000m : null;
        decimal? memory = enough ? decimal.Ceiling(history.MemoryPeak * (1 + SafetyMargin) / Mi) * Mi : null;
        return new ContainerRecommendation(history.Samples, history.FirstSample, history.LastSample, cpu, memory);
    }

    /// <summary>
    /// The limit to go with <paramref name="recommendedRequest"/>: the container's current
    /// limit-to-request ratio kept, as VPA does by default (controlledValues RequestsAndLimits);
    /// none when the container has no limit, or no request to take a ratio from.
    /// </summary>
    public static decimal? Limit(decimal? recommendedRequest, decimal? currentRequest, decimal? currentLimit, bool binary)
    {
        if (recommendedRequest is not { } request || currentLimit is not { } limit || currentRequest is not { } current || current <= 0)
        {
            return null;
        }

        var scaled = request * limit / current;
        return binary ? decimal.Ceiling(scaled) : decimal.Ceiling(scaled * 1000m) / 1000m;
    }
}

/// <summary>
/// What a history says: its sample count and time span, and the target requests (null until
/// there are enough samples).
/// </summary>
internal sealed record ContainerRecommendation(long Samples, DateTimeOffset? FirstSample, DateTimeOffset? LastSample, decimal? CpuCores, decimal? MemoryBytes)
{
    public bool Enough => CpuCores is not null;
}

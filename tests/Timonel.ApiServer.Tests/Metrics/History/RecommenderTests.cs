using Timonel.ApiServer.Metrics.History;
using Xunit;

namespace Timonel.ApiServer.Tests.Metrics.History;

public sealed class RecommenderTests
{
    private const decimal Mi = 1024 * 1024;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ContainerHistory Fed(int samples, decimal cpu, decimal memory)
    {
        var history = new ContainerHistory();
        for (var i = 0; i < samples; i++)
        {
            history.Add(cpu, memory, T0.AddSeconds(15 * i));
        }

        return history;
    }

    [Fact]
    public void Recommend_FewerThanMinSamples_HasNoTarget()
    {
        var recommendation = Recommender.Recommend(Fed(Recommender.MinSamples - 1, 0.25m, 100 * Mi));

        Assert.False(recommendation.Enough);
        Assert.Null(recommendation.CpuCores);
        Assert.Null(recommendation.MemoryBytes);
        Assert.Equal(Recommender.MinSamples - 1, recommendation.Samples);
    }

    [Fact]
    public void Recommend_Enough_CpuP90AndMemoryPeakWithFifteenPercentMargin()
    {
        var history = Fed(Recommender.MinSamples, 0.25m, 100 * Mi);
        history.Add(0.25m, 120 * Mi, T0.AddHours(2));

        var recommendation = Recommender.Recommend(history);

        Assert.True(recommendation.Enough);
        // 250m falls in the bucket [0.2476, 0.2584): its end, plus 15 %, up to a millicore.
        Assert.Equal(0.298m, recommendation.CpuCores);
        // The peak 120Mi plus 15 % is 138Mi.
        Assert.Equal(138 * Mi, recommendation.MemoryBytes);
        Assert.Equal((T0, T0.AddHours(2)), (recommendation.FirstSample, recommendation.LastSample));
    }

    [Theory]
    [InlineData(0.3, 0.1, 0.2, false, 0.6)]
    [InlineData(0.3, 0.1, null, false, null)]
    [InlineData(0.3, null, 0.2, false, null)]
    [InlineData(null, 0.1, 0.2, false, null)]
    [InlineData(1000.0, 1000.0, 1500.0, true, 1500.0)]
    public void Limit_KeepsTheCurrentRatio(double? recommended, double? request, double? limit, bool binary, double? expected) =>
        Assert.Equal((decimal?)expected, Recommender.Limit((decimal?)recommended, (decimal?)request, (decimal?)limit, binary));
}

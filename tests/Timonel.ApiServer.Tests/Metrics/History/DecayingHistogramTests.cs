using Timonel.ApiServer.Metrics.History;
using Xunit;

namespace Timonel.ApiServer.Tests.Metrics.History;

public sealed class DecayingHistogramTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Percentile_Empty_IsZero() => Assert.Equal(0, new DecayingHistogram().Percentile(0.9));

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.003)]
    [InlineData(1.5)]
    [InlineData(37)]
    public void Percentile_OneValue_IsTheEndOfItsBucketAtMostABucketAbove(double value)
    {
        var histogram = new DecayingHistogram();
        histogram.Add(value, T0);

        var p90 = histogram.Percentile(0.9);

        Assert.True(p90 > value, $"{p90} should be above {value}");
        Assert.True(p90 <= (value * DecayingHistogram.Ratio) + DecayingHistogram.FirstBucketSize, $"{p90} should be within a bucket of {value}");
    }

    [Fact]
    public void Percentile_NinetyPercentLow_IsLowAndNinetyFivePercentileIsHigh()
    {
        var histogram = new DecayingHistogram();
        for (var i = 0; i < 90; i++)
        {
            histogram.Add(0.1, T0);
        }

        for (var i = 0; i < 10; i++)
        {
            histogram.Add(2, T0);
        }

        Assert.InRange(histogram.Percentile(0.9), 0.1, 0.12);
        Assert.InRange(histogram.Percentile(0.95), 2, 2.2);
    }

    [Fact]
    public void Add_OlderSamples_WeighHalfPerHalfLife()
    {
        var histogram = new DecayingHistogram();
        // 30 samples at 1 core two half-lives ago weigh as 7.5 new ones: under the 10 new ones at 0.1.
        for (var i = 0; i < 30; i++)
        {
            histogram.Add(1, T0);
        }

        for (var i = 0; i < 10; i++)
        {
            histogram.Add(0.1, T0 + (DecayingHistogram.HalfLife * 2));
        }

        Assert.InRange(histogram.Percentile(0.5), 0.1, 0.12);
        // Without the decay 1 core would be the median (30 of 40).
        Assert.InRange(histogram.Percentile(0.9), 1, 1.06);
    }

    [Fact]
    public void Add_YearsLater_RescalesWithoutOverflow()
    {
        var histogram = new DecayingHistogram();
        histogram.Add(4, T0);
        for (var day = 1; day <= 1000; day += 10)
        {
            histogram.Add(0.5, T0 + TimeSpan.FromDays(day));
        }

        var p50 = histogram.Percentile(0.5);
        Assert.False(double.IsNaN(p50) || double.IsInfinity(p50));
        Assert.InRange(p50, 0.5, 0.54);
    }

    [Fact]
    public void BucketOf_BucketStarts_AreIncreasingAndCoverTheRange()
    {
        Assert.Equal(176, DecayingHistogram.BucketCount);
        for (var i = 1; i < DecayingHistogram.BucketCount; i++)
        {
            Assert.True(DecayingHistogram.BucketStart(i) > DecayingHistogram.BucketStart(i - 1));
            Assert.Equal(i, DecayingHistogram.BucketOf(DecayingHistogram.BucketStart(i) * 1.0000001));
        }

        Assert.Equal(DecayingHistogram.BucketCount - 1, DecayingHistogram.BucketOf(5000));
    }
}

using Timonel.ApiServer.Metrics;
using Xunit;

namespace Timonel.ApiServer.Tests.Metrics;

public sealed class CumulativeSeriesTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    [Fact]
    public void Advance_FirstSample_HasNoUsageYet()
    {
        Assert.Null(CumulativeSeries.Advance(null, new CumulativeSample(10, 100, T0)).Point);
    }

    [Fact]
    public void Advance_SecondSample_IsTheCpuRateOverTheInterval()
    {
        var first = CumulativeSeries.Advance(null, new CumulativeSample(10, 100, T0));

        var second = CumulativeSeries.Advance(first, new CumulativeSample(13, 200, T0.AddSeconds(12)));

        Assert.Equal(new UsagePoint(0.25m, 200, T0.AddSeconds(12), TimeSpan.FromSeconds(12)), second.Point);
    }

    [Fact]
    public void Advance_SameTimestampAgain_KeepsTheLastUsage()
    {
        var second = CumulativeSeries.Advance(CumulativeSeries.Advance(null, new CumulativeSample(10, 100, T0)), new CumulativeSample(11, 100, T0.AddSeconds(10)));

        var repeated = CumulativeSeries.Advance(second, new CumulativeSample(11, 100, T0.AddSeconds(10)));

        Assert.Same(second, repeated);
        Assert.NotNull(repeated.Point);
    }

    [Fact]
    public void Advance_CounterReset_StartsOver()
    {
        var second = CumulativeSeries.Advance(CumulativeSeries.Advance(null, new CumulativeSample(10, 100, T0)), new CumulativeSample(11, 100, T0.AddSeconds(10)));
        Assert.NotNull(second.Point);

        var restarted = CumulativeSeries.Advance(second, new CumulativeSample(0.5m, 100, T0.AddSeconds(20)));

        Assert.Null(restarted.Point);
        Assert.Equal(0.5m, restarted.Last.CpuSeconds);
    }
}

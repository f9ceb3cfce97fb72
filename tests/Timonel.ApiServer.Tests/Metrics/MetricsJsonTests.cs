using Timonel.ApiServer.Metrics;
using Xunit;

namespace Timonel.ApiServer.Tests.Metrics;

public sealed class MetricsJsonTests
{
    [Theory]
    [InlineData(0, "0s")]
    [InlineData(15_000, "15s")]
    [InlineData(10_500, "10.5s")]
    [InlineData(60_000, "1m0s")]
    [InlineData(90_250, "1m30.25s")]
    [InlineData(3_600_000, "1h0m0s")]
    [InlineData(250, "250ms")]
    [InlineData(1.5, "1.5ms")]
    public void GoDuration_FormatsAsGo(double milliseconds, string expected)
    {
        Assert.Equal(expected, MetricsJson.GoDuration(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Theory]
    [InlineData("0.5", "1073741824", "500m", "1Gi")]
    [InlineData("0.0012345678901", "1000", "1234568n", "1000")]
    [InlineData("2", "0", "2", "0")]
    public void Usage_RoundsToNanocoresAndBytes(string cores, string bytes, string cpu, string memory)
    {
        var usage = MetricsJson.Usage(decimal.Parse(cores, System.Globalization.CultureInfo.InvariantCulture), decimal.Parse(bytes, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal((cpu, memory), (usage["cpu"]!.GetValue<string>(), usage["memory"]!.GetValue<string>()));
    }
}

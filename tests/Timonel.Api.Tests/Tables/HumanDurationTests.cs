using Timonel.Registry.Tables;
using Xunit;

namespace Timonel.Api.Tests.Tables;

public class HumanDurationTests
{
    [Theory]
    [InlineData(-3, "<invalid>")]
    [InlineData(-2, "<invalid>")]
    [InlineData(-1, "0s")]
    [InlineData(0, "0s")]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(121, "2m1s")]
    [InlineData(200, "3m20s")]
    [InlineData(599, "9m59s")]
    [InlineData(600, "10m")]
    [InlineData(601, "10m")]
    [InlineData(45 * 60, "45m")]
    [InlineData(3 * 3600 - 1, "179m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(3 * 3600 + 25 * 60, "3h25m")]
    [InlineData(8 * 3600 - 1, "7h59m")]
    [InlineData(8 * 3600, "8h")]
    [InlineData(48 * 3600 - 1, "47h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData(53 * 3600, "2d5h")]
    [InlineData(8 * 86400 - 1, "7d23h")]
    [InlineData(8 * 86400, "8d")]
    [InlineData(5 * 86400 + 3600, "5d1h")]
    [InlineData(2 * 365 * 86400 - 1, "729d")]
    [InlineData(2 * 365 * 86400, "2y")]
    [InlineData((3 * 365 + 45) * 86400, "3y45d")]
    [InlineData(8 * 365 * 86400 - 1, "7y364d")]
    [InlineData(8 * 365 * 86400, "8y")]
    [InlineData(20L * 365 * 86400 + 100 * 86400, "20y")]
    public void Format_Boundaries_MatchUpstream(long seconds, string expected)
    {
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Format_FractionalSeconds_Truncate()
    {
        Assert.Equal("1s", HumanDuration.Format(TimeSpan.FromMilliseconds(1999)));
        Assert.Equal("0s", HumanDuration.Format(TimeSpan.FromMilliseconds(-1999)));
        Assert.Equal("<invalid>", HumanDuration.Format(TimeSpan.FromMilliseconds(-2000)));
    }

    [Fact]
    public void Since_NoTimestamp_IsUnknown()
    {
        Assert.Equal("<unknown>", HumanDuration.Since(null, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Since_Timestamp_FormatsElapsedTime()
    {
        var created = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal("3h25m", HumanDuration.Since(created, created.AddMinutes(205)));
    }
}

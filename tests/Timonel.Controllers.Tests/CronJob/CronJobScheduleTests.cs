using Timonel.Controllers.CronJob;
using Xunit;

namespace Timonel.Controllers.Tests.CronJob;

public sealed class CronJobScheduleTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 10, 10, 17, 30, TimeSpan.Zero);

    [Theory]
    [InlineData("*/15 * * * *", "2026-03-10T10:30:00+00:00")]
    [InlineData("@hourly", "2026-03-10T11:00:00+00:00")]
    [InlineData("@daily", "2026-03-11T00:00:00+00:00")]
    [InlineData("0 9 * * mon-fri", "2026-03-11T09:00:00+00:00")]
    [InlineData("@every 90s", "2026-03-10T10:19:00+00:00")]
    public void Next_Schedule_GivesFollowingTime(string schedule, string expected)
    {
        var parsed = CronJobSchedule.Parse(schedule, TimeZoneInfo.Utc, out var error);

        Assert.Null(error);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), parsed!.Next(Start));
    }

    [Fact]
    public void Parse_CronTzPrefix_UsesThatZone()
    {
        var parsed = CronJobSchedule.Parse("CRON_TZ=Asia/Tokyo 0 9 * * *", null, out _);

        Assert.Equal(new DateTimeOffset(2026, 3, 11, 0, 0, 0, TimeSpan.Zero), parsed!.Next(Start)!.Value.ToUniversalTime());
    }

    [Theory]
    [InlineData("TZ=Nowhere/City * * * * *", "provided bad location Nowhere/City")]
    [InlineData("61 * * * *", "end of range (61) above maximum (59): 61")]
    [InlineData("* * * *", "expected exactly 5 fields, found 4")]
    [InlineData("@fortnightly", "unrecognized descriptor: @fortnightly")]
    public void Parse_BadSchedule_ReportsParserError(string schedule, string message)
    {
        var parsed = CronJobSchedule.Parse(schedule, TimeZoneInfo.Utc, out var error);

        Assert.Null(parsed);
        Assert.StartsWith(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void FindZone_UnknownOrLocal_IsNull()
    {
        Assert.Null(CronJobSchedule.FindZone("Mars/Olympus"));
        Assert.Null(CronJobSchedule.FindZone("Local"));
        Assert.NotNull(CronJobSchedule.FindZone("Europe/Berlin"));
    }

    [Fact]
    public void MostRecent_SeveralMissed_CountsThemAndReturnsLatest()
    {
        var parsed = CronJobSchedule.Parse("*/10 * * * *", TimeZoneInfo.Utc, out _)!;

        var (latest, missed) = parsed.MostRecent(Start, Start.AddMinutes(45));

        Assert.Equal(5, missed);
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 11, 0, 0, TimeSpan.Zero), latest);
    }

    [Fact]
    public void MostRecent_LongOutage_StopsCountingPast100()
    {
        var parsed = CronJobSchedule.Parse("* * * * *", TimeZoneInfo.Utc, out _)!;

        var (latest, missed) = parsed.MostRecent(Start, Start.AddDays(30));

        Assert.Equal(101, missed);
        Assert.Equal(new DateTimeOffset(2026, 4, 9, 10, 17, 0, TimeSpan.Zero), latest);
    }

    [Fact]
    public void MostRecent_NothingDue_IsNull()
    {
        var parsed = CronJobSchedule.Parse("@hourly", TimeZoneInfo.Utc, out _)!;

        Assert.Equal((null, 0), parsed.MostRecent(Start, Start.AddMinutes(30)));
    }
}

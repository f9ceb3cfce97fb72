using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests;

public sealed class CrashLoopBackoffTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Next_RepeatedFailures_DoublesFromTenSecondsCappedAtFiveMinutes()
    {
        var backoff = new CrashLoopBackoff();
        var now = T0;
        var delays = new List<TimeSpan>();
        for (var i = 0; i < 8; i++)
        {
            delays.Add(backoff.Next("c", now));
            now += TimeSpan.FromSeconds(1);
        }

        Assert.Equal([10, 20, 40, 80, 160, 300, 300, 300], delays.Select(d => (int)d.TotalSeconds));
    }

    [Fact]
    public void IsInBackoff_BeforeAndAfterDelay_ReportsRemaining()
    {
        var backoff = new CrashLoopBackoff();
        Assert.False(backoff.IsInBackoff("c", T0, out _));
        backoff.Next("c", T0);

        Assert.True(backoff.IsInBackoff("c", T0 + TimeSpan.FromSeconds(4), out var remaining));
        Assert.Equal(TimeSpan.FromSeconds(6), remaining);
        Assert.False(backoff.IsInBackoff("c", T0 + TimeSpan.FromSeconds(10), out _));
    }

    [Fact]
    public void Next_AfterQuietPeriod_StartsOver()
    {
        var backoff = new CrashLoopBackoff();
        backoff.Next("c", T0);
        backoff.Next("c", T0 + TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromSeconds(10), backoff.Next("c", T0 + TimeSpan.FromMinutes(11)));
    }

    [Fact]
    public void Next_KeysAreIndependent()
    {
        var backoff = new CrashLoopBackoff();
        backoff.Next("a", T0);
        backoff.Next("a", T0);

        Assert.Equal(TimeSpan.FromSeconds(10), backoff.Next("b", T0));
    }
}

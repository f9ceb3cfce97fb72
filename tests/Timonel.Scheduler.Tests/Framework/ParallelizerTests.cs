using System.Diagnostics;
using Timonel.Scheduler.Framework;
using Xunit;

namespace Timonel.Scheduler.Tests.Framework;

public sealed class ParallelizerTests
{
    [Theory]
    [InlineData(100, 0)]
    [InlineData(5000, 0)]
    [InlineData(300, 20)]
    [InlineData(1000, 5)]
    public void For_CheapOrCostlyItems_RunsEveryItemExactlyOnce(int count, int microsecondsPerItem)
    {
        var runs = new int[count];
        Parallelizer.For(count, 2, (from, to) =>
        {
            for (var i = from; i < to; i++)
            {
                Interlocked.Increment(ref runs[i]);
                Busy(microsecondsPerItem);
            }
        });

        Assert.All(runs, r => Assert.Equal(1, r));
    }

    [Fact]
    public void For_CheapItems_StayOnTheCallingThread()
    {
        var caller = Environment.CurrentManagedThreadId;
        var others = 0;
        Parallelizer.For(5000, 2, (_, _) =>
        {
            if (Environment.CurrentManagedThreadId != caller)
            {
                Interlocked.Increment(ref others);
            }
        });

        Assert.Equal(0, others);
    }

    [Theory]
    [InlineData(32, 32, 10_000, true)]
    [InlineData(32, 32, 100, false)]
    [InlineData(1_000, 0, 100_000, false)]
    [InlineData(1_000, 32, 0, false)]
    public void WorthSplitting_ComparesTheExpectedRestWithTheThreshold(long elapsedMicroseconds, int done, long remaining, bool expected)
    {
        var ticks = elapsedMicroseconds * Stopwatch.Frequency / 1_000_000;

        Assert.Equal(expected, Parallelizer.WorthSplitting(ticks, done, remaining));
    }

    private static void Busy(int microseconds)
    {
        if (microseconds == 0)
        {
            return;
        }

        var until = Stopwatch.GetTimestamp() + (microseconds * Stopwatch.Frequency / 1_000_000);
        while (Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(10);
        }
    }
}

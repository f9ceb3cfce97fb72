using Timonel.ApiServer.Metrics.History;
using Xunit;

namespace Timonel.ApiServer.Tests.Metrics.History;

public sealed class ContainerHistoryTests
{
    private const decimal Mi = 1024 * 1024;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Add_SameOrOlderTimestamp_IsNotCountedTwice()
    {
        var history = new ContainerHistory();
        Assert.True(history.Add(0.1m, 10 * Mi, T0));
        Assert.False(history.Add(0.1m, 90 * Mi, T0));
        Assert.False(history.Add(0.1m, 90 * Mi, T0.AddSeconds(-15)));

        Assert.Equal(1, history.Samples);
        Assert.Equal(10 * Mi, history.MemoryPeak);
    }

    [Fact]
    public void MemoryPeak_HighestOfTheIntervalsKept()
    {
        var history = new ContainerHistory();
        history.Add(0, 100 * Mi, T0);
        history.Add(0, 300 * Mi, T0.AddMinutes(10));
        history.Add(0, 50 * Mi, T0.AddMinutes(70));

        Assert.Equal(300 * Mi, history.MemoryPeak);
        Assert.Equal(3, history.Samples);
        Assert.Equal((T0, T0.AddMinutes(70)), (history.FirstSample, history.LastSample));
    }

    [Fact]
    public void MemoryPeak_IntervalOutOfTheWindow_IsForgotten()
    {
        var history = new ContainerHistory();
        history.Add(0, 500 * Mi, T0);
        var t = T0;
        for (var hour = 1; hour < ContainerHistory.MemoryIntervals; hour++)
        {
            t = T0 + (ContainerHistory.MemoryInterval * hour);
            history.Add(0, 100 * Mi, t);
        }

        // The first hour is still one of the 24 kept.
        Assert.Equal(500 * Mi, history.MemoryPeak);

        history.Add(0, 100 * Mi, t + ContainerHistory.MemoryInterval);

        Assert.Equal(100 * Mi, history.MemoryPeak);
        Assert.Equal(T0 + ContainerHistory.MemoryInterval, history.MemoryWindowStart);
    }
}

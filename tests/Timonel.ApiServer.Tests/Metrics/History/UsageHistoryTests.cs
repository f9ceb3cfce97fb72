using Timonel.ApiServer.Metrics.History;
using Xunit;

namespace Timonel.ApiServer.Tests.Metrics.History;

public sealed class UsageHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ContainerRef Container(string name) => new(new WorkloadRef("ns", "Deployment", "web"), name);

    [Fact]
    public void Record_PastMaxContainers_RefusesNewOnesAndKeepsFeedingKnownOnes()
    {
        var history = new UsageHistory();
        history.Record(Enumerable.Range(0, UsageHistory.MaxContainers).Select(i => (Container($"c{i}"), 0.1m, 1m, T0)), T0);
        Assert.Equal(0, history.Refused);

        history.Record([(Container("one-too-many"), 0.1m, 1m, T0.AddSeconds(15)), (Container("c0"), 0.1m, 1m, T0.AddSeconds(15))], T0.AddSeconds(15));

        Assert.Equal(UsageHistory.MaxContainers, history.Count);
        Assert.Equal(1, history.Refused);
        Assert.Empty(history.Recommend(c => c.Container == "one-too-many"));
        Assert.Equal(2, Assert.Single(history.Recommend(c => c.Container == "c0")).Recommendation.Samples);
    }

    [Fact]
    public void Record_HistoryIdleLongerThanExpiry_IsForgotten()
    {
        var history = new UsageHistory();
        history.Record([(Container("gone"), 0.1m, 1m, T0), (Container("alive"), 0.1m, 1m, T0)], T0);
        var later = T0 + UsageHistory.IdleExpiry + TimeSpan.FromSeconds(15);

        history.Record([(Container("alive"), 0.1m, 1m, T0 + UsageHistory.IdleExpiry)], T0 + UsageHistory.IdleExpiry);
        Assert.Equal(2, history.Count);
        history.Record([(Container("alive"), 0.1m, 1m, later)], later);

        Assert.Equal(["alive"], history.Recommend(_ => true).Select(r => r.Container.Container));
    }
}

using k8s.Models;
using Timonel.Controllers.Disruption;
using Xunit;

namespace Timonel.Controllers.Tests.Disruption;

public sealed class BudgetStatusTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static V1Pod Pod(string name, bool ready = true, bool deleting = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, DeletionTimestamp = deleting ? Now.UtcDateTime : null },
        Status = new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }] },
    };

    private static V1PodDisruptionBudget Budget(Dictionary<string, DateTime?>? disrupted = null, long generation = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = "b", Generation = generation },
        Status = new V1PodDisruptionBudgetStatus { DisruptedPods = disrupted },
    };

    [Fact]
    public void DisruptedPods_RecentKeptOverdueReported_RecheckAtEarliestExpiry()
    {
        var pods = new[] { Pod("recent"), Pod("overdue"), Pod("deleting", deleting: true), Pod("unrecorded") };
        var budget = Budget(new()
        {
            ["recent"] = Now.AddSeconds(-30).UtcDateTime,
            ["overdue"] = Now.AddMinutes(-3).UtcDateTime,
            ["deleting"] = Now.AddSeconds(-10).UtcDateTime,
            ["gone"] = Now.AddSeconds(-10).UtcDateTime,
        });

        var (kept, overdue, recheck) = BudgetStatus.DisruptedPods(pods, budget, Now);

        Assert.Equal(["recent"], kept.Keys);
        Assert.Equal(["overdue"], overdue.Select(p => p.Metadata.Name));
        Assert.Equal(Now.AddSeconds(90), recheck);
    }

    [Fact]
    public void CountHealthy_SkipsUnreadyDeletingAndJustDisrupted()
    {
        var pods = new[] { Pod("ok"), Pod("unready", ready: false), Pod("deleting", deleting: true), Pod("evicted"), Pod("stale") };
        var disrupted = new Dictionary<string, DateTime?> { ["evicted"] = Now.AddSeconds(-5).UtcDateTime, ["stale"] = Now.AddMinutes(-5).UtcDateTime };

        Assert.Equal(2, BudgetStatus.CountHealthy(pods, disrupted, Now));
    }

    [Theory]
    [InlineData(3, 2, 3, 1, "True", "SufficientPods")]
    [InlineData(2, 2, 3, 0, "False", "InsufficientPods")]
    [InlineData(1, 2, 3, 0, "False", "InsufficientPods")]
    [InlineData(2, 0, 0, 0, "False", "InsufficientPods")]
    public void Compute_AllowedIsSurplusOnlyWhenPodsAreExpected(int healthy, int desired, int expected, int allowed, string status, string reason)
    {
        var result = BudgetStatus.Compute(Budget(), healthy, desired, expected, new Dictionary<string, DateTime?>(), Now);

        Assert.Equal(allowed, result.DisruptionsAllowed);
        var condition = Assert.Single(result.Conditions);
        Assert.Equal((status, reason, 1L), (condition.Status, condition.Reason, condition.ObservedGeneration));
    }

    [Fact]
    public void Compute_SameConditionStatus_KeepsItsTransitionTime()
    {
        var first = BudgetStatus.Compute(Budget(), 3, 2, 3, new Dictionary<string, DateTime?>(), Now);
        var budget = Budget();
        budget.Status = first;

        var again = BudgetStatus.Compute(budget, 4, 2, 4, new Dictionary<string, DateTime?>(), Now.AddMinutes(1));
        var flipped = BudgetStatus.Compute(budget, 2, 2, 4, new Dictionary<string, DateTime?>(), Now.AddMinutes(2));

        Assert.Equal(Now.UtcDateTime, again.Conditions.Single().LastTransitionTime);
        Assert.Equal(Now.AddMinutes(2).UtcDateTime, flipped.Conditions.Single().LastTransitionTime);
    }

    [Fact]
    public void IsUpToDate_OnlyWhenCountsGenerationAndConditionAgree()
    {
        var budget = Budget();
        var status = BudgetStatus.Compute(budget, 3, 2, 3, new Dictionary<string, DateTime?>(), Now);
        Assert.False(BudgetStatus.IsUpToDate(budget, status));

        budget.Status = status;
        Assert.True(BudgetStatus.IsUpToDate(budget, BudgetStatus.Compute(budget, 3, 2, 3, new Dictionary<string, DateTime?>(), Now)));

        budget.Metadata.Generation = 2;
        Assert.False(BudgetStatus.IsUpToDate(budget, BudgetStatus.Compute(budget, 3, 2, 3, new Dictionary<string, DateTime?>(), Now)));
    }

    [Fact]
    public void FailSafe_ZeroAllowedWithTheMessage()
    {
        var budget = Budget();
        budget.Status = BudgetStatus.Compute(budget, 3, 2, 3, new Dictionary<string, DateTime?>(), Now);

        var failed = BudgetStatus.FailSafe(budget, "found no controllers for pod \"x\"", Now);

        Assert.Equal(0, failed.DisruptionsAllowed);
        Assert.Equal(3, failed.CurrentHealthy);
        var condition = Assert.Single(failed.Conditions);
        Assert.Equal(("False", "SyncFailed", "found no controllers for pod \"x\""), (condition.Status, condition.Reason, condition.Message));
    }
}

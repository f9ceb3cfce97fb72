using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Timonel.Controllers.Autoscaling;
using Xunit;

namespace Timonel.Controllers.Tests.Autoscaling;

public sealed class ScaleHistoryTests
{
    private const string Key = "default/web";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ScaleHistory _history;

    public ScaleHistoryTests() => _history = new ScaleHistory(new HpaOptions(), _time);

    private static V2HPAScalingRules Rules(int? window, string? select, params (string Type, int Value, int Period)[] policies) => new()
    {
        StabilizationWindowSeconds = window,
        SelectPolicy = select,
        Policies = policies.Length == 0 ? null : [.. policies.Select(p => new V2HPAScalingPolicy { Type = p.Type, Value = p.Value, PeriodSeconds = p.Period })],
    };

    // One sync with behavior: normalize, and record the rescale as the controller does.
    private Normalized Sync(int current, int desired, V2HorizontalPodAutoscalerBehavior behavior, int min = 1, int max = 100)
    {
        var up = HpaBehaviors.ScaleUp(behavior.ScaleUp);
        var down = HpaBehaviors.ScaleDown(behavior.ScaleDown, TimeSpan.FromMinutes(5));
        _history.RecordInitial(Key, current);
        var result = _history.NormalizeWithBehavior(Key, current, desired, min, max, up, down);
        _history.RecordScale(Key, behavior, up, down, current, result.Replicas);
        return result;
    }

    [Fact]
    public void Normalize_NoBehaviorScaleUp_LimitedToTwiceCurrentOrFour()
    {
        _history.RecordInitial(Key, 1);

        var result = _history.Normalize(Key, 1, 10, 1, 20);

        Assert.Equal((4, true, "ScaleUpLimit"), (result.Replicas, result.Limited, result.LimitReason));
    }

    [Fact]
    public void Normalize_NoBehaviorAboveMax_TooManyReplicas()
    {
        _history.RecordInitial(Key, 4);

        var result = _history.Normalize(Key, 4, 7, 1, 5);

        Assert.Equal((5, "TooManyReplicas", "the desired replica count is more than the maximum replica count"), (result.Replicas, result.LimitReason, result.LimitMessage));
    }

    [Fact]
    public void Normalize_NoBehaviorScaleDown_HeldForTheDownscaleWindow()
    {
        _history.RecordInitial(Key, 5);
        _time.Advance(TimeSpan.FromSeconds(15));
        var held = _history.Normalize(Key, 5, 2, 1, 10);
        _time.Advance(TimeSpan.FromSeconds(280));
        var stillHeld = _history.Normalize(Key, 5, 2, 1, 10);
        _time.Advance(TimeSpan.FromSeconds(15));
        var released = _history.Normalize(Key, 5, 2, 1, 10);

        Assert.Equal((5, true, "ScaleDownStabilized"), (held.Replicas, held.Stabilized, held.StabilizedReason));
        Assert.Equal(5, stillHeld.Replicas);
        Assert.Equal((2, false, "ReadyForNewScale"), (released.Replicas, released.Stabilized, released.StabilizedReason));
    }

    [Fact]
    public void NormalizeWithBehavior_Defaults_ScaleUpByMostOfFourPodsOrDouble()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior();

        Assert.Equal(6, Sync(2, 50, behavior).Replicas);
        _time.Advance(TimeSpan.FromSeconds(16));
        Assert.Equal(12, Sync(6, 50, behavior).Replicas);
    }

    [Theory]
    [InlineData(true, 2, 10, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")]
    [InlineData(false, 10, 2, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")]
    public void NormalizeWithBehavior_PodsPolicy_SpentAllowanceHoldsUntilThePeriodPasses(bool up, int current, int desired, string reason, string message)
    {
        var rules = Rules(0, "Max", ("Pods", 1, 60));
        var behavior = up ? new V2HorizontalPodAutoscalerBehavior { ScaleUp = rules } : new V2HorizontalPodAutoscalerBehavior { ScaleDown = rules };
        var step = up ? 1 : -1;

        var first = Sync(current, desired, behavior);
        _time.Advance(TimeSpan.FromSeconds(30));
        var second = Sync(current + step, desired, behavior);
        _time.Advance(TimeSpan.FromSeconds(31));
        var third = Sync(current + step, desired, behavior);

        Assert.Equal((current + step, reason, message), (first.Replicas, first.LimitReason, first.LimitMessage));
        // The allowance is spent: held (never moved back), until the first change leaves the period.
        Assert.Equal(current + step, second.Replicas);
        Assert.Equal(current + (2 * step), third.Replicas);
    }

    [Fact]
    public void NormalizeWithBehavior_SelectPolicyMin_TakesTheStricterPolicy()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior { ScaleUp = Rules(0, "Min", ("Pods", 4, 15), ("Percent", 100, 15)) };

        Assert.Equal(4, Sync(2, 20, behavior).Replicas);
    }

    [Fact]
    public void NormalizeWithBehavior_ScaleDownPercentPolicy_LimitsTheStep()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior { ScaleDown = Rules(0, "Max", ("Percent", 50, 60)) };

        var result = Sync(10, 1, behavior);

        Assert.Equal((5, "ScaleDownLimit"), (result.Replicas, result.LimitReason));
    }

    [Fact]
    public void NormalizeWithBehavior_ScaleDownDisabled_NeverShrinks()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior { ScaleDown = Rules(0, "Disabled") };

        Assert.Equal(10, Sync(10, 1, behavior).Replicas);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(10, Sync(10, 1, behavior).Replicas);
    }

    [Fact]
    public void NormalizeWithBehavior_ScaleUpWindow_WaitsForTheLowestRecentRecommendationToRise()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior { ScaleUp = Rules(60, null) };

        var first = Sync(2, 6, behavior);
        _time.Advance(TimeSpan.FromSeconds(30));
        var second = Sync(2, 6, behavior);
        _time.Advance(TimeSpan.FromSeconds(31));
        var third = Sync(2, 6, behavior);

        Assert.Equal((2, true), (first.Replicas, first.Stabilized));
        Assert.Equal(2, second.Replicas);
        Assert.Equal(6, third.Replicas);
    }

    [Fact]
    public void NormalizeWithBehavior_DefaultScaleDownWindow_IsTheControllerFlag()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior();

        var held = Sync(8, 2, behavior);
        _time.Advance(TimeSpan.FromSeconds(301));
        var released = Sync(8, 2, behavior);

        Assert.Equal(8, held.Replicas);
        Assert.Equal(2, released.Replicas);
    }

    [Theory]
    [InlineData("Max", 5)]
    [InlineData("Min", 8)]
    public void NormalizeWithBehavior_ScaleDownTwoPolicies_SelectPolicyPicksTheMostOrLeastGenerous(string select, int expected)
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior { ScaleDown = Rules(0, select, ("Pods", 2, 60), ("Percent", 50, 60)) };

        var result = Sync(10, 1, behavior);

        Assert.Equal((expected, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"), (result.Replicas, result.LimitReason, result.LimitMessage));
    }

    [Fact]
    public void NormalizeWithBehavior_ScaleDownRateBelowMinReplicas_TooFewReplicas()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior { ScaleDown = Rules(0, "Max", ("Percent", 50, 60)) };

        var result = Sync(10, 1, behavior, min: 7);

        Assert.Equal((7, "TooFewReplicas", "the desired replica count is less than the minimum replica count"), (result.Replicas, result.LimitReason, result.LimitMessage));
    }

    [Fact]
    public void Defaults_AsUpstream()
    {
        var up = HpaBehaviors.ScaleUp(null);
        var down = HpaBehaviors.ScaleDown(null, TimeSpan.FromMinutes(5));

        Assert.Equal((0, "Max", 2), (up.StabilizationWindowSeconds, up.SelectPolicy, up.Policies.Count));
        Assert.Equal((300, "Max", "Percent", 100, 15), (down.StabilizationWindowSeconds, down.SelectPolicy, down.Policies[0].Type, down.Policies[0].Value, down.Policies[0].PeriodSeconds));
    }
}

using k8s.Models;
using Timonel.Client.Events;
using Xunit;

namespace Timonel.Client.Tests;

/// <summary>The correlator's spam filter and combining of similar events (no API server needed).</summary>
public sealed class EventCorrelatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static V1ObjectReference Rs(string name = "web") => new() { Kind = "ReplicaSet", ApiVersion = "apps/v1", NamespaceProperty = "ns", Name = name, Uid = "u-" + name };

    [Fact]
    public void Observe_ManyDistinctMessages_CombinedIntoOneEventAfterTen()
    {
        var correlator = new EventCorrelator("replicaset-controller", "");
        var results = Enumerable.Range(0, 15).Select(i => correlator.Observe(Rs(), "Normal", "SuccessfulCreate", $"Created pod: web-{i}", T0.AddSeconds(i))!.Value).ToList();

        Assert.All(results.Take(9), r => Assert.False(r.IsRepeat));
        Assert.Equal(9, results.Take(9).Select(r => r.Event.Metadata.Name).Distinct().Count());
        var combined = results.Skip(9).ToList();
        Assert.All(combined, r => Assert.StartsWith("(combined from similar events): Created pod: web-", r.Event.Message, StringComparison.Ordinal));
        Assert.Single(combined.Select(r => r.Event.Metadata.Name).Distinct());
        Assert.False(combined[0].IsRepeat);
        Assert.All(combined.Skip(1), r => Assert.True(r.IsRepeat));
        Assert.Equal(6, combined[^1].Event.Count);
        Assert.Equal("Created pod: web-14", combined[^1].Event.Message["(combined from similar events): ".Length..]);
    }

    [Fact]
    public void Observe_MoreThanBurstForOneObject_DroppedUntilRefilled()
    {
        var correlator = new EventCorrelator("kubelet", "node-a");
        var sent = Enumerable.Range(0, 40).Count(i => correlator.Observe(Rs(), "Warning", "BackOff", "Back-off restarting failed container", T0.AddMilliseconds(i)) is not null);
        var other = correlator.Observe(Rs("other"), "Warning", "BackOff", "Back-off restarting failed container", T0.AddSeconds(1));
        var afterRefill = correlator.Observe(Rs(), "Warning", "BackOff", "Back-off restarting failed container", T0 + EventSpamFilter.RefillEvery + TimeSpan.FromSeconds(1));

        Assert.Equal(EventSpamFilter.Burst, sent);
        Assert.NotNull(other);
        Assert.NotNull(afterRefill);
        Assert.True(afterRefill!.Value.IsRepeat);
    }

    [Fact]
    public void Observe_SameMessageAgain_RepeatOfTheSameEvent()
    {
        var correlator = new EventCorrelator("kubelet", "node-a");
        var first = correlator.Observe(Rs(), "Normal", "Pulled", "already present", T0)!.Value;
        var second = correlator.Observe(Rs(), "Normal", "Pulled", "already present", T0.AddSeconds(5))!.Value;
        var late = correlator.Observe(Rs(), "Normal", "Pulled", "already present", T0 + EventCorrelator.Window + TimeSpan.FromMinutes(1))!.Value;

        Assert.False(first.IsRepeat);
        Assert.True(second.IsRepeat);
        Assert.Equal(first.Event.Metadata.Name, second.Event.Metadata.Name);
        Assert.Equal(2, second.Event.Count);
        Assert.False(late.IsRepeat);
        Assert.Equal(1, late.Event.Count);
    }

    [Fact]
    public void Observe_BurstSpentOnWarnings_NormalEventOfTheSameObjectDroppedToo()
    {
        // Upstream's spam key is the source and the object alone, not the type or reason.
        var correlator = new EventCorrelator("kubelet", "node-a");
        for (var i = 0; i < EventSpamFilter.Burst; i++)
        {
            Assert.NotNull(correlator.Observe(Rs(), "Warning", "Unhealthy", $"Liveness probe failed: {i}", T0.AddMilliseconds(i)));
        }

        Assert.Null(correlator.Observe(Rs(), "Normal", "Killing", "Stopping container app", T0.AddSeconds(1)));
    }

    [Fact]
    public void Observe_RepeatDroppedBySpamFilter_StillCountedInTheNextWrittenRepeat()
    {
        var correlator = new EventCorrelator("kubelet", "node-a");
        var written = Enumerable.Range(0, 30).Select(i => correlator.Observe(Rs(), "Warning", "BackOff", "Back-off", T0.AddMilliseconds(i))).ToList();
        var afterRefill = correlator.Observe(Rs(), "Warning", "BackOff", "Back-off", T0 + EventSpamFilter.RefillEvery + TimeSpan.FromSeconds(1));

        Assert.Equal(EventSpamFilter.Burst, written.Count(w => w is not null));
        Assert.Equal(31, afterRefill!.Value.Event.Count);
    }

    [Fact]
    public void Observe_SimilarEventsOfDifferentContainers_CombinedAcrossFieldPaths()
    {
        var correlator = new EventCorrelator("kubelet", "node-a");
        V1ObjectReference Pod(int i) => new() { Kind = "Pod", ApiVersion = "v1", NamespaceProperty = "ns", Name = "p", Uid = "u", FieldPath = $"spec.containers{{c{i}}}" };
        var results = Enumerable.Range(0, 10).Select(i => correlator.Observe(Pod(i), "Normal", "Created", $"Created container: c{i}", T0.AddSeconds(i))!.Value).ToList();
        var same = correlator.Observe(Pod(0), "Normal", "Pulled", "x", T0.AddSeconds(20))!.Value;
        var again = correlator.Observe(Pod(1), "Normal", "Pulled", "x", T0.AddSeconds(21))!.Value;

        Assert.StartsWith("(combined from similar events): ", results[^1].Event.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("combined", results[^2].Event.Message, StringComparison.Ordinal);
        Assert.False(again.IsRepeat);
        Assert.NotEqual(same.Event.Metadata.Name, again.Event.Metadata.Name);
        Assert.Equal("node-a", same.Event.ReportingInstance);
        Assert.Equal("kubelet", same.Event.ReportingComponent);
    }

    [Fact]
    public void Observe_TwoEventsInOneClockTick_DistinctNames()
    {
        var correlator = new EventCorrelator("kubelet", "node-a");
        var first = correlator.Observe(Rs(), "Normal", "Created", "Created container: a", T0)!.Value;
        var second = correlator.Observe(Rs(), "Normal", "Started", "Started container a", T0)!.Value;

        Assert.NotEqual(first.Event.Metadata.Name, second.Event.Metadata.Name);
        Assert.StartsWith("web.", second.Event.Metadata.Name, StringComparison.Ordinal);
    }
}

using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;
using Xunit;

namespace Timonel.Scheduler.Tests.Queue;

public class SchedulingQueueTests
{
    private readonly ManualTime _time = new();

    private static PodInfo P(string name, int priority = 0) => new(Make.Pod(name, priority: priority));

    [Fact]
    public async Task PopAsync_HigherPriorityFirst_ThenOlder()
    {
        var q = new SchedulingQueue(_time);
        q.Add(P("low", 1));
        _time.Advance(TimeSpan.FromSeconds(1));
        q.Add(P("high", 10));
        q.Add(P("low2", 1));

        var order = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            order.Add((await q.PopAsync(CancellationToken.None)).Pod.Name);
        }

        Assert.Equal(["high", "low", "low2"], order);
    }

    [Fact]
    public async Task PopAsync_EmptyQueue_WaitsForAdd()
    {
        var q = new SchedulingQueue(_time);
        var pop = q.PopAsync(CancellationToken.None);
        Assert.False(pop.IsCompleted);

        q.Add(P("a"));

        Assert.Equal("a", (await pop.WaitAsync(TimeSpan.FromSeconds(5))).Pod.Name);
    }

    [Fact]
    public async Task PopAsync_Cancelled_Throws()
    {
        var q = new SchedulingQueue(_time);
        using var cts = new CancellationTokenSource();
        var pop = q.PopAsync(cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pop);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(4, 8)]
    [InlineData(5, 10)]
    [InlineData(9, 10)]
    public void BackoffDuration_DoublesPerAttemptUpToMax(int attempts, int seconds)
    {
        var q = new SchedulingQueue(_time);
        var info = new QueuedPodInfo(P("a"), _time.GetUtcNow()) { Attempts = attempts };

        Assert.Equal(TimeSpan.FromSeconds(seconds), q.BackoffDuration(info));
    }

    [Fact]
    public async Task Unschedulable_MovedBackOnlyByRegisteredEventWhoseHintQueues()
    {
        var q = new SchedulingQueue(_time);
        q.RegisterPluginEvents("Fit", [new ClusterEventWithHint(new ClusterEvent(EventResource.Node, ActionType.Add), (_, _, n) => n is "big" ? QueueingHint.Queue : QueueingHint.Skip)]);
        q.Add(P("a"));
        var info = await q.PopAsync(CancellationToken.None);
        info.UnschedulablePlugins.Add("Fit");
        q.AddUnschedulableIfNotPresent(info, q.SchedulingCycle);
        Assert.Equal((0, 0, 1), q.Counts());

        Assert.Equal(0, q.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.AssignedPod, ActionType.Delete)));
        Assert.Equal(0, q.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.Node, ActionType.Add), null, "small"));
        Assert.Equal(1, q.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.Node, ActionType.Add), null, "big"));

        // Still within its 1 s backoff: it waits in backoffQ, then the flush makes it active.
        Assert.Equal((0, 1, 0), q.Counts());
        _time.Advance(TimeSpan.FromSeconds(1));
        q.FlushBackoffCompleted();
        Assert.Equal((1, 0, 0), q.Counts());
    }

    [Fact]
    public async Task AddUnschedulable_MoveRequestDuringCycle_GoesToBackoff()
    {
        var q = new SchedulingQueue(_time);
        q.Add(P("a"));
        var info = await q.PopAsync(CancellationToken.None);
        var cycle = q.SchedulingCycle;
        q.MoveAllToActiveOrBackoffQueue(new ClusterEvent(EventResource.Node, ActionType.Add));

        q.AddUnschedulableIfNotPresent(info, cycle);

        Assert.Equal((0, 1, 0), q.Counts());
    }

    [Fact]
    public async Task FlushUnschedulableLeftover_AfterFiveMinutes_Retries()
    {
        var q = new SchedulingQueue(_time);
        q.Add(P("a"));
        var info = await q.PopAsync(CancellationToken.None);
        info.UnschedulablePlugins.Add("X");
        q.AddUnschedulableIfNotPresent(info, q.SchedulingCycle);

        _time.Advance(TimeSpan.FromMinutes(4));
        q.FlushUnschedulableLeftover();
        Assert.Equal((0, 0, 1), q.Counts());

        _time.Advance(TimeSpan.FromMinutes(2));
        q.FlushUnschedulableLeftover();
        Assert.Equal((1, 0, 0), q.Counts());
    }

    [Fact]
    public async Task Delete_InFlightPod_NotRequeued()
    {
        var q = new SchedulingQueue(_time);
        q.Add(P("a"));
        var info = await q.PopAsync(CancellationToken.None);

        q.Delete(info.Pod.Key);
        q.AddUnschedulableIfNotPresent(info, q.SchedulingCycle);

        Assert.Equal((0, 0, 0), q.Counts());
    }

    [Fact]
    public void Options_MaxBelowInitial_Rejected()
    {
        Assert.Throws<ArgumentException>(() => new SchedulingQueue(_time, new SchedulingQueueOptions { InitialBackoff = TimeSpan.FromSeconds(5), MaxBackoff = TimeSpan.FromSeconds(1) }));
    }
}

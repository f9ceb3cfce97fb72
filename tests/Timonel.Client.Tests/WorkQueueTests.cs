using Microsoft.Extensions.Time.Testing;
using Timonel.Client.WorkQueues;
using Xunit;

namespace Timonel.Client.Tests;

public sealed class WorkQueueTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Add_SameItemTwice_HandedOutOnce()
    {
        using var queue = new WorkQueue<string>(time: new FakeTimeProvider());
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");

        Assert.Equal(2, queue.Count);
        Assert.Equal(("a", false), await queue.GetAsync(CancellationToken.None));
        Assert.Equal(("b", false), await queue.GetAsync(CancellationToken.None));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task Add_WhileProcessing_QueuedAgainOnlyAfterDone()
    {
        using var queue = new WorkQueue<string>(time: new FakeTimeProvider());
        queue.Add("a");
        var (item, _) = await queue.GetAsync(CancellationToken.None);
        queue.Add("a");

        Assert.Equal(0, queue.Count);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await queue.GetAsync(cts.Token));

        queue.Done(item);
        Assert.Equal(1, queue.Count);
        Assert.Equal(("a", false), await queue.GetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Done_NotAddedMeanwhile_NotQueuedAgain()
    {
        using var queue = new WorkQueue<string>(time: new FakeTimeProvider());
        queue.Add("a");
        var (item, _) = await queue.GetAsync(CancellationToken.None);
        queue.Done(item);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task GetAsync_WaitingWorker_ReceivesItemAddedLater()
    {
        using var queue = new WorkQueue<string>(time: new FakeTimeProvider());
        var pending = queue.GetAsync(CancellationToken.None).AsTask();
        Assert.False(pending.IsCompleted);
        queue.Add("x");
        Assert.Equal(("x", false), await pending.WaitAsync(Short));
    }

    [Fact]
    public async Task AddAfter_BeforeDelayPasses_NotAvailable()
    {
        var clock = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(time: clock);
        queue.AddAfter("a", TimeSpan.FromSeconds(10));

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, queue.Count);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Count);
        Assert.Equal(("a", false), await queue.GetAsync(CancellationToken.None));
    }

    [Fact]
    public void AddAfter_EarlierDelayForSameItem_EarlierWinsAndItemQueuedOnce()
    {
        var clock = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(time: clock);
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(2));
        queue.AddAfter("a", TimeSpan.FromSeconds(5));

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, queue.Count);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void AddAt_ClockMovedAfterTheCallerReadIt_FiresAtTheAbsoluteTime()
    {
        var clock = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(time: clock);
        var due = clock.GetUtcNow() + TimeSpan.FromSeconds(10);
        // The caller computed its due time, then the clock jumped before it reached the queue
        // (a test advancing a fake clock, or a slow API call): the item is due at the same moment.
        clock.Advance(TimeSpan.FromSeconds(8));
        queue.AddAt("a", due);
        queue.AddAfter("b", due - clock.GetUtcNow() + TimeSpan.FromSeconds(8)); // the stale relative form, for contrast

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, queue.Count);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Count);
        clock.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(2, queue.Count);
    }

    [Fact]
    public void AddAt_TimeAlreadyPassed_QueuedAtOnce()
    {
        var clock = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(time: clock);
        queue.AddAt("a", clock.GetUtcNow() - TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void AddAfter_ZeroDelay_QueuedAtOnce()
    {
        using var queue = new WorkQueue<string>(time: new FakeTimeProvider());
        queue.AddAfter("a", TimeSpan.Zero);
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void AddRateLimited_RepeatedFailures_BackOffExponentiallyUntilForget()
    {
        var clock = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(time: clock);

        queue.AddRateLimited("a");
        queue.AddRateLimited("a");
        queue.AddRateLimited("a");
        Assert.Equal(3, queue.NumRequeues("a"));
        clock.Advance(TimeSpan.FromMilliseconds(4));
        Assert.Equal(0, queue.Count);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, queue.Count);

        queue.Forget("a");
        Assert.Equal(0, queue.NumRequeues("a"));
    }

    [Fact]
    public async Task ShutDown_ItemsQueued_DrainedThenShuttingDown()
    {
        using var queue = new WorkQueue<string>(time: new FakeTimeProvider());
        queue.Add("a");
        queue.ShutDown();
        queue.Add("b");

        Assert.Equal(("a", false), await queue.GetAsync(CancellationToken.None));
        var (_, shuttingDown) = await queue.GetAsync(CancellationToken.None);
        Assert.True(shuttingDown);
    }

    [Fact]
    public async Task ShutDown_WorkerWaiting_WakesWithShuttingDown()
    {
        using var queue = new WorkQueue<string>(time: new FakeTimeProvider());
        var pending = queue.GetAsync(CancellationToken.None).AsTask();
        queue.ShutDown();
        var (_, shuttingDown) = await pending.WaitAsync(Short);
        Assert.True(shuttingDown);
    }

    [Fact]
    public async Task GetAsync_Cancelled_LaterItemGoesToNextWorker()
    {
        using var queue = new WorkQueue<string>(time: new FakeTimeProvider());
        using var cts = new CancellationTokenSource();
        var cancelled = queue.GetAsync(cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        queue.Add("a");
        Assert.Equal(("a", false), await queue.GetAsync(CancellationToken.None).AsTask().WaitAsync(Short));
    }

    [Fact]
    public async Task GetAsync_ManyWorkersManyAdds_NoItemHeldByTwoWorkers()
    {
        using var queue = new WorkQueue<int>(time: new FakeTimeProvider());
        var held = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        var processed = 0;
        var violations = 0;
        using var cts = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            while (true)
            {
                var (item, down) = await queue.GetAsync(cts.Token);
                if (down)
                {
                    return;
                }

                if (!held.TryAdd(item, true))
                {
                    Interlocked.Increment(ref violations);
                }

                await Task.Yield();
                held.TryRemove(item, out var _);
                Interlocked.Increment(ref processed);
                queue.Done(item);
            }
        })).ToArray();

        for (var i = 0; i < 2000; i++)
        {
            queue.Add(i % 7);
        }

        await Task.Delay(200);
        queue.ShutDown();
        await Task.WhenAll(workers).WaitAsync(Short);
        Assert.Equal(0, violations);
        Assert.True(processed >= 7);
    }

    [Fact]
    public void AddAt_ClockJumpsPastDueWhileTheTimerIsArmed_HandedOutWithoutAnotherMove()
    {
        var clock = new JumpWhileArming(new FakeTimeProvider());
        using var queue = new WorkQueue<string>(time: clock);
        var due = clock.GetUtcNow().AddMinutes(1);

        // First seen to wait: nothing is due before its time.
        queue.AddAt("b", due.AddHours(5));
        Assert.Equal(0, queue.Count);

        // The clock jumps past "a"'s due time between the queue's reading of it and the arming of
        // its timer (what a test thread moving an injected clock does at the wrong moment).
        clock.JumpOnNextArm(due.AddMinutes(200));
        queue.AddAt("a", due);

        Assert.Equal(1, queue.Count);
    }

    /// <summary>A clock whose timers, once asked, move the clock before they are armed.</summary>
    private sealed class JumpWhileArming(FakeTimeProvider inner) : TimeProvider
    {
        private readonly FakeTimeProvider _inner = inner;
        private DateTimeOffset? _jumpTo;

        public void JumpOnNextArm(DateTimeOffset to) => _jumpTo = to;

        public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            new Timer(this, _inner.CreateTimer(callback, state, dueTime, period));

        private sealed class Timer(JumpWhileArming clock, ITimer timer) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                if (clock._jumpTo is { } to && dueTime != Timeout.InfiniteTimeSpan)
                {
                    clock._jumpTo = null;
                    clock._inner.SetUtcNow(to);
                }

                return timer.Change(dueTime, period);
            }

            public void Dispose() => timer.Dispose();

            public ValueTask DisposeAsync() => timer.DisposeAsync();
        }
    }
}

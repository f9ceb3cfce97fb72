using Microsoft.Extensions.Time.Testing;

namespace Timonel.Controllers.Tests.TtlAfterFinished;

/// <summary>
/// A fake clock that can jump forward right after a given read: what a test thread moving the
/// clock (or a slow API call) does between a controller's reading of the time and the work
/// queue's. It also says when a delayed item has been armed (a timer given a finite due time).
/// </summary>
internal sealed class JumpAfterReadsClock(FakeTimeProvider inner) : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _armed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _readsLeft;
    private TimeSpan _jump;

    public FakeTimeProvider Inner { get; } = inner;

    /// <summary>Completes once a timer of this clock has been given a finite due time.</summary>
    public Task Armed => _armed.Task;

    /// <summary>After the <paramref name="reads"/>-th next read has returned its value, the clock moves by <paramref name="jump"/>.</summary>
    public void JumpAfterReads(int reads, TimeSpan jump)
    {
        lock (_lock)
        {
            (_readsLeft, _jump) = (reads, jump);
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            var now = Inner.GetUtcNow();
            if (_readsLeft > 0 && --_readsLeft == 0)
            {
                Inner.Advance(_jump);
            }

            return now;
        }
    }

    public override long GetTimestamp() => Inner.GetTimestamp();

    public override long TimestampFrequency => Inner.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new Timer(this, Inner.CreateTimer(callback, state, dueTime, period));

    private sealed class Timer(JumpAfterReadsClock clock, ITimer timer) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = timer.Change(dueTime, period);
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                clock._armed.TrySetResult();
            }

            return changed;
        }

        public void Dispose() => timer.Dispose();

        public ValueTask DisposeAsync() => timer.DisposeAsync();
    }
}

using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.Client.Hosting;
using Xunit;

namespace Timonel.Client.Tests.Hosting;

/// <summary>
/// The loop on a fake clock that reports every timer the loop arms, so a test advances time only
/// once the loop waits on it, and knows what the loop waits for (the timer's due time).
/// </summary>
public sealed class CoalescingSyncLoopTests : IAsyncLifetime
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Resync = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly ObservedClock _clock = new();
    private readonly Channel<Pass> _passes = Channel.CreateUnbounded<Pass>();
    private CoalescingSyncLoop? _loop;

    /// <summary>What a pass does after reporting itself; a test swaps it to block or fail passes.</summary>
    private Func<int, CancellationToken, Task> _behaviour = (_, _) => Task.CompletedTask;
    private int _count;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_loop is not null)
        {
            await _loop.DisposeAsync();
        }
    }

    [Fact]
    public async Task Request_BurstBetweenPasses_CoalescesIntoOnePass()
    {
        var loop = Start();
        Assert.True((await NextPassAsync()).Full);
        Assert.Equal(Resync, await NextTimerAsync());

        loop.Request();
        loop.Request();
        loop.Request();
        // The burst came inside the minimum interval after the first pass: the loop waits out the rest.
        Assert.Equal(MinInterval, await NextTimerAsync());
        loop.Request();
        loop.Request();
        _clock.Advance(MinInterval);

        var second = await NextPassAsync();
        Assert.Equal((2, false), (second.Number, second.Full));
        Assert.Equal(Resync - MinInterval, await NextTimerAsync());
        Assert.False(_passes.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Request_DuringAPass_CausesExactlyOneMore()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _behaviour = (n, _) => n == 1 ? gate.Task : Task.CompletedTask;
        var loop = Start(minInterval: TimeSpan.Zero);
        await NextPassAsync();

        loop.Request();
        loop.Request();
        loop.Request();
        gate.SetResult();

        var second = await NextPassAsync();
        Assert.Equal((2, false), (second.Number, second.Full));
        // Idle again: the only thing armed is the resync, and no third pass came.
        Assert.Equal(Resync, await NextTimerAsync());
        Assert.False(_passes.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Run_NoRequests_FullPassEveryResyncPeriodSinceTheLastFullOne()
    {
        var loop = Start(minInterval: TimeSpan.Zero);
        await NextPassAsync();
        Assert.Equal(Resync, await NextTimerAsync());
        _clock.Advance(TimeSpan.FromMinutes(2));
        loop.Request();
        Assert.False((await NextPassAsync()).Full);

        // A requested pass does not postpone the resync.
        Assert.Equal(TimeSpan.FromMinutes(3), await NextTimerAsync());
        _clock.Advance(TimeSpan.FromMinutes(3));
        var resync = await NextPassAsync();
        Assert.Equal((3, true), (resync.Number, resync.Full));
        Assert.Equal(Resync, await NextTimerAsync());
    }

    [Fact]
    public async Task Run_PassThrows_RetriedWholeWithDoublingCappedBackoff()
    {
        _behaviour = (n, _) => n is >= 2 and <= 8 ? throw new IOException($"pass {n} failed") : Task.CompletedTask;
        var loop = Start(minInterval: TimeSpan.Zero);
        await NextPassAsync();
        await NextTimerAsync();
        loop.Request();
        Assert.False((await NextPassAsync()).Full);

        var pauses = new List<TimeSpan>();
        for (var failed = 2; failed <= 8; failed++)
        {
            var pause = await NextTimerAsync();
            pauses.Add(pause);
            _clock.Advance(pause);
            var retry = await NextPassAsync();
            Assert.Equal((failed + 1, true), (retry.Number, retry.Full));
        }

        Assert.Equal(new[] { 1, 2, 4, 8, 16, 30, 30 }, pauses.Select(p => (int)p.TotalSeconds));
        // Pass 9 succeeded: the loop is idle until the resync, and a later failure starts again at the first pause.
        Assert.Equal(Resync, await NextTimerAsync());
        _behaviour = (_, _) => throw new InvalidOperationException("again");
        loop.Request();
        await NextPassAsync();
        Assert.Equal(TimeSpan.FromSeconds(1), await NextTimerAsync());
    }

    [Fact]
    public async Task DisposeAsync_DuringAPass_CancelsItAndStopsTheLoop()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _behaviour = async (n, ct) =>
        {
            if (n == 2)
            {
                await using var registration = ct.Register(cancelled.SetResult);
                await Task.Delay(Timeout.Infinite, ct);
            }
        };
        var loop = Start(minInterval: TimeSpan.Zero);
        await NextPassAsync();
        await NextTimerAsync();
        loop.Request();
        await NextPassAsync();

        await loop.DisposeAsync().AsTask().WaitAsync(Patience);

        await cancelled.Task.WaitAsync(Patience);
        loop.Request();
        _clock.Advance(Resync * 2);
        Assert.False(_passes.Reader.TryRead(out _));
    }

    [Fact]
    public async Task DisposeAsync_WhileIdle_EndsTheLoopAndIgnoresLaterRequests()
    {
        var loop = Start();
        await NextPassAsync();
        await NextTimerAsync();

        await loop.DisposeAsync().AsTask().WaitAsync(Patience);
        loop.Request();
        _clock.Advance(Resync * 2);

        Assert.False(_passes.Reader.TryRead(out _));
    }

    [Fact]
    public void Constructor_NegativeMinInterval_Refused()
    {
        var options = new CoalescingSyncOptions { Name = "test", MinInterval = TimeSpan.FromSeconds(-1) };

        var error = Assert.Throws<ArgumentException>(() => new CoalescingSyncLoop(options, (_, _) => Task.CompletedTask, NullLogger.Instance, _clock));

        Assert.Contains("minimum sync interval", error.Message, StringComparison.Ordinal);
    }

    private CoalescingSyncLoop Start(TimeSpan? minInterval = null)
    {
        var options = new CoalescingSyncOptions { Name = "test", MinInterval = minInterval ?? MinInterval, ResyncPeriod = Resync };
        _loop = new CoalescingSyncLoop(options, async (full, ct) =>
        {
            var number = Interlocked.Increment(ref _count);
            _passes.Writer.TryWrite(new Pass(number, full));
            await _behaviour(number, ct);
        }, NullLogger.Instance, _clock);
        _loop.Start();
        return _loop;
    }

    private async Task<Pass> NextPassAsync() => await _passes.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    private async Task<TimeSpan> NextTimerAsync() => await _clock.Timers.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    private sealed record Pass(int Number, bool Full);

    /// <summary>A fake clock that also reports the due time of each timer armed on it.</summary>
    private sealed class ObservedClock : TimeProvider
    {
        private readonly FakeTimeProvider _fake = new();

        public Channel<TimeSpan> Timers { get; } = Channel.CreateUnbounded<TimeSpan>();

        public override long TimestampFrequency => _fake.TimestampFrequency;

        public void Advance(TimeSpan by) => _fake.Advance(by);

        public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow();

        public override long GetTimestamp() => _fake.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = _fake.CreateTimer(callback, state, dueTime, period);
            Timers.Writer.TryWrite(dueTime);
            return timer;
        }
    }
}

using Microsoft.Extensions.Logging;

namespace Timonel.Client.Hosting;

/// <summary>
/// Turns change notifications into whole-state sync passes, one at a time, for components that
/// rebuild everything they own from their caches on each pass (the service proxy's and the
/// network policy's nftables tables, the ingress controller's route table).
/// </summary>
/// <remarks>
/// Guarantees:
/// <list type="bullet">
/// <item>Passes never overlap. The first pass runs at <see cref="Start"/> and is full.</item>
/// <item>Any number of <see cref="Request"/>s between two passes cause one pass; a request made
/// while a pass runs causes exactly one more after it (the running pass may have read the caches
/// before the change).</item>
/// <item>Two passes start at least <see cref="CoalescingSyncOptions.MinInterval"/> apart; requests
/// inside the interval join the pass at its end, so a burst costs one pass.</item>
/// <item>A full pass runs at least every <see cref="CoalescingSyncOptions.ResyncPeriod"/>, requested
/// or not (it repairs what others changed under the component).</item>
/// <item>A pass that throws is retried as a full pass after a pause that doubles from
/// <see cref="CoalescingSyncOptions.InitialBackoff"/> up to <see cref="CoalescingSyncOptions.MaxBackoff"/>,
/// and starts again from the beginning after a pass succeeds.</item>
/// <item><see cref="DisposeAsync"/> cancels the running pass's token and waits for the loop to end;
/// requests after it are ignored.</item>
/// </list>
/// </remarks>
public sealed partial class CoalescingSyncLoop : IAsyncDisposable
{
    // CancellationTokenSource timers accept at most ~49 days; a longer resync period is waited out in steps.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly CoalescingSyncOptions _options;
    private readonly Func<bool, CancellationToken, Task> _sync;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _requested = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _started;
    private int _disposed;

    /// <param name="sync">One pass; its flag is true for a full pass (the first, after a failure, and each resync), when the component should not trust what it applied before.</param>
    /// <exception cref="ArgumentException">The options are out of range.</exception>
    public CoalescingSyncLoop(CoalescingSyncOptions options, Func<bool, CancellationToken, Task> sync, ILogger log, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sync);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _options = options;
        _sync = sync;
        _log = log;
        _time = time;
    }

    /// <summary>Starts the loop: a full pass now, then one per burst of requests.</summary>
    /// <exception cref="InvalidOperationException">Started before.</exception>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException($"the {_options.Name} sync loop was started before");
        }

        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Asks for a pass; cheap and safe from any thread (informer handlers call it).</summary>
    public void Request()
    {
        try
        {
            if (_requested.CurrentCount == 0)
            {
                _requested.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Another thread signalled first: the pending pass will see this change too.
        }
        catch (ObjectDisposedException)
        {
            // Stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        _requested.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var full = true;
        var lastFull = _time.GetTimestamp();
        long? lastStart = null;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!full)
            {
                var untilResync = _options.ResyncPeriod - _time.GetElapsedTime(lastFull);
                if (untilResync > TimeSpan.Zero)
                {
                    var requested = await WaitForRequestAsync(untilResync < LongestWait ? untilResync : LongestWait, cancellationToken).ConfigureAwait(false);
                    if (!requested && untilResync > LongestWait)
                    {
                        continue;
                    }

                    full = !requested;
                }
                else
                {
                    full = true;
                }
            }

            // Wait out the rest of the minimum interval, so a burst becomes one pass.
            if (lastStart is { } last && _time.GetElapsedTime(last) is var since && since < _options.MinInterval)
            {
                await Task.Delay(_options.MinInterval - since, _time, cancellationToken).ConfigureAwait(false);
            }

            // This pass serves every request made until now (also those made during the interval).
            _requested.Wait(0, CancellationToken.None);
            var started = _time.GetTimestamp();
            lastStart = started;
            try
            {
                await _sync(full, cancellationToken).ConfigureAwait(false);
                if (full)
                {
                    lastFull = started;
                }

                full = false;
                failures = 0;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // What the pass left behind is unknown: redo it whole, after a growing pause.
                full = true;
                failures++;
                var pause = Backoff(failures);
                LogPassFailed(_log, _options.Name, pause.TotalSeconds, e);
                await Task.Delay(pause, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>True when a pass was requested, false when <paramref name="timeout"/> passed first.</summary>
    private async Task<bool> WaitForRequestAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_requested.Wait(0, CancellationToken.None))
        {
            return true;
        }

        // Timed on the injected clock (SemaphoreSlim's own timeout would run on the machine's).
        using var timer = new CancellationTokenSource(timeout, _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await _requested.WaitAsync(either.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var pause = _options.InitialBackoff * Math.Pow(2, Math.Min(failures - 1, 30));
        return pause < _options.MaxBackoff ? pause : _options.MaxBackoff;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Loop} sync failed; retrying it whole in {Seconds} s")]
    private static partial void LogPassFailed(ILogger log, string loop, double seconds, Exception error);
}

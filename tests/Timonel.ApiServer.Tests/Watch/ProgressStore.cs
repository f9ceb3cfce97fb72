using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Timonel.Storage;

namespace Timonel.ApiServer.Tests.Watch;

/// <summary>
/// A store that reports watch progress: etcd's own (forwarded), or, over a store that has none
/// (memory), answers made up from its current revision. Counts reads per key prefix and the
/// progress requests it received; <see cref="Silent"/> stands in for a store whose answers never
/// come.
/// </summary>
/// <remarks>
/// The made-up answers are reported beside the watch, not between its events: tests using them
/// write nothing under the watched prefix while a reader waits.
/// </remarks>
internal sealed class ProgressStore(IStore inner) : DelegatingStore(inner), IWatchProgressStore
{
    private readonly ConcurrentQueue<string> _reads = new();
    private int _requests;

    /// <summary>When set, no progress answer reaches the consumer.</summary>
    public bool Silent { get; set; }

    /// <summary>How long a made-up answer takes.</summary>
    public TimeSpan AnswerDelay { get; set; }

    /// <summary>Progress requests received (made-up answers only).</summary>
    public int ProgressRequests => Volatile.Read(ref _requests);

    /// <summary>Range and get calls on keys under <paramref name="prefix"/> so far.</summary>
    public int ReadsUnder(string prefix) => _reads.Count(k => k.StartsWith(prefix, StringComparison.Ordinal));

    public override Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken)
    {
        _reads.Enqueue(request.Prefix);
        return base.RangeAsync(request, cancellationToken);
    }

    public override Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        _reads.Enqueue(key);
        return base.GetAsync(key, cancellationToken);
    }

    public bool SupportsWatchProgress => Inner is not IWatchProgressStore etcd || etcd.SupportsWatchProgress;

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, WatchProgress progress, CancellationToken cancellationToken) =>
        Inner is IWatchProgressStore etcd
            ? etcd.WatchAsync(prefix, afterRevision, Silent ? new WatchProgress(_ => { }) : progress, cancellationToken)
            : AnswerAsync(prefix, afterRevision, progress, cancellationToken);

    private async IAsyncEnumerable<WatchEvent> AnswerAsync(string prefix, long afterRevision, WatchProgress progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var answering = Task.Run(() => AnswerRequestsAsync(progress, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var e in Inner.WatchAsync(prefix, afterRevision, cancellationToken))
            {
                yield return e;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await answering.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task AnswerRequestsAsync(WatchProgress progress, CancellationToken cancellationToken)
    {
        while (true)
        {
            await progress.WaitForRequestAsync(cancellationToken);
            Interlocked.Increment(ref _requests);
            if (Silent)
            {
                continue;
            }

            await Task.Delay(AnswerDelay, cancellationToken);
            progress.Report(await Inner.GetCurrentRevisionAsync(cancellationToken));
        }
    }
}

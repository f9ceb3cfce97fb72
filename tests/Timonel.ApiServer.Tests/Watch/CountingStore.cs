using System.Runtime.CompilerServices;
using Timonel.Storage;

namespace Timonel.ApiServer.Tests.Watch;

/// <summary>Counts the store calls the watch cache makes; optionally delivers watch events late (a store watch behind the writes).</summary>
internal sealed class CountingStore(IStore inner) : DelegatingStore(inner)
{
    private int _watches;
    private int _ranges;
    private int _gets;
    private CancellationTokenSource _break = new();

    public int Watches => Volatile.Read(ref _watches);

    public int Ranges => Volatile.Read(ref _ranges);

    public int Gets => Volatile.Read(ref _gets);

    /// <summary>How late each watch event arrives (zero: as the store sends it).</summary>
    public TimeSpan EventDelay { get; set; }

    public override Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _ranges);
        return base.RangeAsync(request, cancellationToken);
    }

    public override Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _gets);
        return base.GetAsync(key, cancellationToken);
    }

    /// <summary>Breaks every open watch (the consumer sees an IOException), as a lost connection to the store would.</summary>
    public void BreakWatches() => Interlocked.Exchange(ref _break, new CancellationTokenSource()).Cancel();

    public override async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _watches);
        var broken = Volatile.Read(ref _break).Token;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, broken);
        var events = Inner.WatchAsync(prefix, afterRevision, linked.Token).GetAsyncEnumerator(linked.Token);
        try
        {
            while (true)
            {
                bool moved;
                try
                {
                    moved = await events.MoveNextAsync();
                }
                catch (OperationCanceledException) when (broken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new IOException("the store watch broke");
                }

                if (!moved)
                {
                    if (broken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    {
                        throw new IOException("the store watch broke");
                    }

                    yield break;
                }

                if (EventDelay > TimeSpan.Zero)
                {
                    await Task.Delay(EventDelay, cancellationToken);
                }

                yield return events.Current;
            }
        }
        finally
        {
            await events.DisposeAsync();
        }
    }
}

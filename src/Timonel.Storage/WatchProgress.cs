using System.Threading.Channels;

namespace Timonel.Storage;

/// <summary>
/// The link between one watch's consumer and a store that reports watch progress
/// (<see cref="IWatchProgressStore"/>): the consumer asks with <see cref="Request"/>; the store
/// answers through <see cref="Report"/> with a revision R meaning "every event of this watch up
/// to R has been yielded". The store calls <see cref="Report"/> from inside the watch's
/// enumeration, between two events, so the consumer has handled every event before R when it
/// hears of R.
/// </summary>
public sealed class WatchProgress(Action<long> onProgress)
{
    // Capacity one, extra writes dropped: requests made while one is pending become that one,
    // so any number of waiting readers costs the store one request.
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    /// <summary>Asks the store for a progress report soon; requests not yet sent are merged.</summary>
    public void Request() => _requests.Writer.TryWrite(true);

    /// <summary>For the store: waits until the consumer has asked for progress.</summary>
    public async ValueTask WaitForRequestAsync(CancellationToken cancellationToken) =>
        await _requests.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>For the store: every event of the watch up to <paramref name="revision"/> has been yielded.</summary>
    public void Report(long revision) => onProgress(revision);
}

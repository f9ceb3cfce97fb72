using System.Threading.Channels;
using Timonel.Storage;

namespace Timonel.ApiServer.Watch.Cache;

/// <summary>
/// One client watch fed by a <see cref="WatchCache"/>: the window's events it must replay, then
/// live events through a bounded buffer. The cache never waits for a watcher: one whose buffer
/// is full is closed (its reader ends with <see cref="StoreWatchLaggedException"/>), as
/// upstream's cacher terminates a watcher that cannot keep up, and the client watches again.
/// </summary>
internal sealed class CacheWatcher
{
    private readonly Channel<DecodedEvent> _live;
    private long _seen;

    public CacheWatcher(string prefix, long after, IReadOnlyList<DecodedEvent> replay, int capacity)
    {
        Prefix = prefix;
        After = after;
        Replay = replay;
        _seen = after;
        _live = Channel.CreateBounded<DecodedEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>Keys this watcher sees (a resource's prefix, or one namespace's).</summary>
    public string Prefix { get; }

    /// <summary>The watcher sees events after this revision only.</summary>
    public long After { get; }

    /// <summary>Window events to deliver before the live ones.</summary>
    public IReadOnlyList<DecodedEvent> Replay { get; }

    public ChannelReader<DecodedEvent> Live => _live.Reader;

    /// <summary>
    /// The newest revision the cache has dealt with for this watcher (queued or skipped). Set after
    /// the event is queued: a reader that reads this and then finds the buffer empty has written
    /// everything up to it, so it may send a bookmark at it.
    /// </summary>
    public long Seen => Volatile.Read(ref _seen);

    /// <summary>Queues an event if it concerns this watcher; false when the buffer was full and the watcher has been closed.</summary>
    public bool Offer(DecodedEvent e)
    {
        if (e.Revision > After && e.Key.StartsWith(Prefix, StringComparison.Ordinal) && !_live.Writer.TryWrite(e))
        {
            Close(new StoreWatchLaggedException($"watcher of {Prefix} fell more than {_live.Reader.Count} events behind and was closed"));
            return false;
        }

        Volatile.Write(ref _seen, Math.Max(e.Revision, After));
        return true;
    }

    /// <summary>Ends the live stream: normally (null) or with the reason the reader sees.</summary>
    public void Close(Exception? reason) => _live.Writer.TryComplete(reason);
}

using System.Collections.Immutable;
using System.Threading.Channels;

namespace Timonel.Storage.Sqlite;

/// <summary>
/// Fans committed events out to live watchers, in memory. The writer loop publishes each
/// committed batch once, in revision order; publishing never blocks: a watcher whose bounded
/// buffer is full is ended with <see cref="StoreWatchLaggedException"/> instead of stalling
/// the writer and every other watcher.
/// </summary>
internal sealed class WatchBroadcaster
{
    private readonly Lock _gate = new();
    private readonly int _bufferSize;
    private ImmutableArray<WatchSubscription> _subscriptions = [];
    private bool _closed;

    public WatchBroadcaster(int bufferSize) => _bufferSize = bufferSize;

    public int Count => _subscriptions.Length;

    /// <summary>Registers a watcher; it receives every event published from now on under its prefix.</summary>
    public WatchSubscription Subscribe(string prefix)
    {
        var subscription = new WatchSubscription(prefix, _bufferSize);
        lock (_gate)
        {
            if (_closed)
            {
                throw new ObjectDisposedException(nameof(SqliteStore));
            }

            _subscriptions = _subscriptions.Add(subscription);
        }

        return subscription;
    }

    public void Unsubscribe(WatchSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = _subscriptions.Remove(subscription);
        }

        subscription.Complete(null);
    }

    /// <summary>Delivers events (ascending revisions) to the watchers whose prefix matches.</summary>
    public void Publish(IReadOnlyList<WatchEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        foreach (var subscription in _subscriptions)
        {
            subscription.Offer(events);
        }
    }

    /// <summary>Ends every watch normally (the store is closing) and refuses new ones.</summary>
    public void Close()
    {
        ImmutableArray<WatchSubscription> all;
        lock (_gate)
        {
            _closed = true;
            all = _subscriptions;
            _subscriptions = [];
        }

        foreach (var subscription in all)
        {
            subscription.Complete(null);
        }
    }
}

/// <summary>One live watcher's bounded buffer of events under its prefix.</summary>
internal sealed class WatchSubscription
{
    private readonly Channel<WatchEvent> _channel;
    private readonly int _capacity;

    public WatchSubscription(string prefix, int capacity)
    {
        Prefix = prefix;
        _capacity = capacity;
        _channel = Channel.CreateBounded<WatchEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string Prefix { get; }

    public ChannelReader<WatchEvent> Reader => _channel.Reader;

    public void Offer(IReadOnlyList<WatchEvent> events)
    {
        foreach (var e in events)
        {
            if (!e.Kv.Key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!_channel.Writer.TryWrite(e))
            {
                Complete(new StoreWatchLaggedException(
                    $"watcher on prefix '{Prefix}' fell more than {_capacity} events behind at revision {e.Revision}; watch again from the last revision received"));
                return;
            }
        }
    }

    public void Complete(Exception? error) => _channel.Writer.TryComplete(error);
}

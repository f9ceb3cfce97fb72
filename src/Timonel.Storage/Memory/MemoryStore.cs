using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Timonel.Storage.Memory;

/// <summary>
/// An <see cref="IStore"/> held in process memory: nothing survives the process. It exists for
/// fast API tests and benchmarks that must leave the disk out; it keeps the full contract
/// (revisions, compare-and-swap, history, compaction, watch).
/// </summary>
public sealed class MemoryStore : IStore
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, KeyValue> _live = new(StringComparer.Ordinal);
    private readonly List<WatchEvent> _history = [];
    private readonly List<Channel<WatchEvent>> _watchers = [];
    private long _revision;
    private long _compacted;

    public Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_revision);
        }
    }

    public Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_compacted);
        }
    }

    public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_live.GetValueOrDefault(key));
        }
    }

    public Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var revision = request.Revision == 0 ? _revision : request.Revision;
            if (request.Revision != 0 && request.Revision < _compacted)
            {
                throw new StoreCompactedException(request.Revision, _compacted);
            }

            IEnumerable<KeyValue> source = revision == _revision ? _live.Values : StateAt(revision);
            var matching = source
                .Where(kv => kv.Key.StartsWith(request.Prefix, StringComparison.Ordinal))
                .Where(kv => request.StartAfterKey is null || string.CompareOrdinal(kv.Key, request.StartAfterKey) > 0)
                .ToList();
            if (request.CountOnly)
            {
                return Task.FromResult(new RangeResult([], revision, false, matching.Count));
            }

            var limited = request.Limit > 0 ? matching.Take((int)request.Limit).ToList() : matching;
            return Task.FromResult(new RangeResult(limited, revision, limited.Count < matching.Count, matching.Count));
        }
    }

    public Task<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_live.TryGetValue(key, out var existing))
            {
                return Task.FromResult(new WriteResult(false, _revision, existing));
            }

            var kv = new KeyValue(key, value.ToArray(), _revision + 1, _revision + 1);
            Commit(new WatchEvent(WatchEventType.Put, kv, null));
            return Task.FromResult(new WriteResult(true, _revision, kv));
        }
    }

    public Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_live.TryGetValue(key, out var existing) || (expectedModRevision != 0 && existing.ModRevision != expectedModRevision))
            {
                return Task.FromResult(new WriteResult(false, _revision, existing));
            }

            var kv = new KeyValue(key, value.ToArray(), existing.CreateRevision, _revision + 1);
            Commit(new WatchEvent(WatchEventType.Put, kv, existing));
            return Task.FromResult(new WriteResult(true, _revision, kv));
        }
    }

    public Task<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_live.TryGetValue(key, out var existing) || (expectedModRevision != 0 && existing.ModRevision != expectedModRevision))
            {
                return Task.FromResult(new WriteResult(false, _revision, existing));
            }

            var tombstone = new KeyValue(key, ReadOnlyMemory<byte>.Empty, existing.CreateRevision, _revision + 1);
            Commit(new WatchEvent(WatchEventType.Delete, tombstone, existing));
            return Task.FromResult(new WriteResult(true, _revision, existing));
        }
    }

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });
        List<WatchEvent> replay;
        lock (_lock)
        {
            if (afterRevision != 0 && afterRevision < _compacted)
            {
                throw new StoreCompactedException(afterRevision, _compacted);
            }

            replay = afterRevision == 0 ? [] : _history.Where(e => e.Revision > afterRevision).ToList();
            _watchers.Add(channel);
        }

        try
        {
            foreach (var e in replay)
            {
                if (e.Kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    yield return e;
                }
            }

            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (e.Kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    yield return e;
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                _watchers.Remove(channel);
            }
        }
    }

    public Task CompactAsync(long revision, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (revision > _compacted)
            {
                _compacted = Math.Min(revision, _revision);
                _history.RemoveAll(e => e.Revision <= _compacted);
            }
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            foreach (var w in _watchers)
            {
                w.Writer.TryComplete();
            }
        }

        return ValueTask.CompletedTask;
    }

    // Called under the lock, so watchers see events in revision order.
    private void Commit(WatchEvent e)
    {
        _revision = e.Revision;
        if (e.Type == WatchEventType.Delete)
        {
            _live.Remove(e.Kv.Key);
        }
        else
        {
            _live[e.Kv.Key] = e.Kv;
        }

        _history.Add(e);
        foreach (var w in _watchers)
        {
            w.Writer.TryWrite(e);
        }
    }

    private IEnumerable<KeyValue> StateAt(long revision)
    {
        // Live state at `revision` = live now, with every later change undone.
        var state = new SortedDictionary<string, KeyValue>(_live, StringComparer.Ordinal);
        for (var i = _history.Count - 1; i >= 0 && _history[i].Revision > revision; i--)
        {
            var e = _history[i];
            if (e.PrevKv is null)
            {
                state.Remove(e.Kv.Key);
            }
            else
            {
                state[e.Kv.Key] = e.PrevKv;
            }
        }

        return state.Values;
    }
}

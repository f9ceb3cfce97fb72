using System.Runtime.CompilerServices;

namespace Timonel.Storage.Encryption;

/// <summary>
/// A store whose values pass through a transformer (encryption at rest) on their way in and
/// out: writes store <see cref="IValueTransformer.ToStorage"/>'s bytes; every value read back
/// (gets, ranges, write results, watch events and their previous values) is turned back.
/// Keys the selector leaves out are passed through untouched.
/// </summary>
/// <remarks>
/// A value that cannot be read back does not fail the call: it comes with an empty value and
/// <see cref="KeyValue.ReadError"/> set (upstream's "unable to transform key" wording), so one
/// object encrypted with a lost key gives an error for that object only, and watches (the
/// watch cache's among them) keep running past it. Use <see cref="Wrap"/>, which keeps the
/// inner store's watch progress support.
/// </remarks>
public class TransformingStore : IStore
{
    private readonly IStore _inner;
    private readonly IValueTransformerSelector _selector;

    protected TransformingStore(IStore inner, IValueTransformerSelector selector)
    {
        _inner = inner;
        _selector = selector;
    }

    /// <summary>The store underneath (raw bytes).</summary>
    public IStore Inner => _inner;

    /// <summary>Wraps <paramref name="inner"/>; the result is an <see cref="IWatchProgressStore"/> when the inner store is one.</summary>
    public static TransformingStore Wrap(IStore inner, IValueTransformerSelector selector) =>
        inner is IWatchProgressStore progress ? new ProgressForwarding(progress, selector) : new TransformingStore(inner, selector);

    public Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken) => _inner.GetCurrentRevisionAsync(cancellationToken);

    public Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken) => _inner.GetCompactedRevisionAsync(cancellationToken);

    public async Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var kv = await _inner.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return kv is null ? null : Read(kv);
    }

    public async Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken)
    {
        var result = await _inner.RangeAsync(request, cancellationToken).ConfigureAwait(false);
        if (result.Items.Count == 0)
        {
            return result;
        }

        var items = new KeyValue[result.Items.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = Read(result.Items[i]);
        }

        return result with { Items = items };
    }

    public async Task<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        var result = await _inner.CreateAsync(key, Write(key, value), cancellationToken).ConfigureAwait(false);
        return Written(result, value);
    }

    public async Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken)
    {
        var result = await _inner.UpdateAsync(key, Write(key, value), expectedModRevision, cancellationToken).ConfigureAwait(false);
        return Written(result, value);
    }

    public async Task<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken cancellationToken)
    {
        var result = await _inner.DeleteAsync(key, expectedModRevision, cancellationToken).ConfigureAwait(false);
        return result.Current is null ? result : result with { Current = Read(result.Current) };
    }

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken) =>
        ReadEvents(_inner.WatchAsync(prefix, afterRevision, cancellationToken), cancellationToken);

    public Task CompactAsync(long revision, CancellationToken cancellationToken) => _inner.CompactAsync(revision, cancellationToken);

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return _inner.DisposeAsync();
    }

    protected async IAsyncEnumerable<WatchEvent> ReadEvents(IAsyncEnumerable<WatchEvent> events, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            // A delete's Kv is a tombstone (empty value): nothing to read back.
            var kv = e.Type == WatchEventType.Put ? Read(e.Kv) : e.Kv;
            var prev = e.PrevKv is null ? null : Read(e.PrevKv);
            yield return ReferenceEquals(kv, e.Kv) && ReferenceEquals(prev, e.PrevKv) ? e : new WatchEvent(e.Type, kv, prev) { CommittedAt = e.CommittedAt };
        }
    }

    private ReadOnlyMemory<byte> Write(string key, ReadOnlyMemory<byte> value) =>
        _selector.TransformerFor(key) is { } transformer ? transformer.ToStorage(value.Span, key) : value;

    private KeyValue Read(KeyValue kv)
    {
        if (_selector.TransformerFor(kv.Key) is not { } transformer)
        {
            return kv;
        }

        try
        {
            var value = transformer.FromStorage(kv.Value.Span, kv.Key, out var stale);
            return kv with { Value = value, Stale = stale };
        }
        catch (ValueTransformException e)
        {
            return kv with { Value = ReadOnlyMemory<byte>.Empty, ReadError = $"unable to transform key \"{kv.Key}\": {e.Message}" };
        }
    }

    // On success the written value is the caller's own: hand it back instead of decrypting what
    // was just encrypted. On failure Current is whatever the key holds now.
    private WriteResult Written(WriteResult result, ReadOnlyMemory<byte> value) =>
        result.Current is null ? result
        : result.Succeeded ? result with { Current = result.Current with { Value = value } }
        : result with { Current = Read(result.Current) };

    private sealed class ProgressForwarding(IWatchProgressStore inner, IValueTransformerSelector selector) : TransformingStore(inner, selector), IWatchProgressStore
    {
        public bool SupportsWatchProgress => inner.SupportsWatchProgress;

        public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, WatchProgress progress, CancellationToken cancellationToken) =>
            ReadEvents(inner.WatchAsync(prefix, afterRevision, progress, cancellationToken), cancellationToken);
    }
}

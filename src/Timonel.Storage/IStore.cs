namespace Timonel.Storage;

/// <summary>
/// An etcd-shaped key space: byte values under string keys, one global revision that every
/// write bumps by one, compare-and-swap writes on a key's mod revision, prefix ranges read at
/// a revision, and watches that replay history from a revision until it is compacted.
/// </summary>
/// <remarks>
/// Contract shared by every backend (the contract test suite holds each to it):
/// <list type="bullet">
/// <item>A write returns only once it is durable; its revision is strictly greater than any
/// revision returned before.</item>
/// <item>Conditional writes never throw for a failed condition: they return
/// <see cref="WriteResult.Succeeded"/> = false with the key's current value (or null).</item>
/// <item><see cref="WatchAsync"/> yields, in revision order, every event on keys under the
/// prefix with revision greater than <c>afterRevision</c>, then live events, until cancelled.
/// If <c>afterRevision</c> is older than the compacted revision it throws
/// <see cref="StoreCompactedException"/> before yielding anything.</item>
/// <item>Ranges at an old revision see the key space as it was then, or throw
/// <see cref="StoreCompactedException"/> if that revision has been compacted away.</item>
/// </list>
/// </remarks>
public interface IStore : IAsyncDisposable
{
    /// <summary>The revision of the newest write (0 for an empty store).</summary>
    Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken);

    /// <summary>The oldest revision from which history is still kept.</summary>
    Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken);

    /// <summary>Reads one key at the current revision; null when absent.</summary>
    Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Reads keys under a prefix, in key order.</summary>
    Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken);

    /// <summary>Creates a key; fails (Succeeded=false, Current set) when it already exists.</summary>
    Task<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces a key's value if its mod revision equals <paramref name="expectedModRevision"/>
    /// (0 means any). Fails when the key is absent or the revision differs.
    /// </summary>
    Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a key if its mod revision equals <paramref name="expectedModRevision"/> (0 means
    /// any). On success <see cref="WriteResult.Current"/> holds the value that was deleted.
    /// </summary>
    Task<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken cancellationToken);

    /// <summary>Streams events under a prefix after a revision; see the type's remarks.</summary>
    IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken);

    /// <summary>Drops history at and below <paramref name="revision"/> (the live value of each key is kept).</summary>
    Task CompactAsync(long revision, CancellationToken cancellationToken);
}

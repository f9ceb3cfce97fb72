using Timonel.Storage;

namespace Timonel.ApiServer.Tests;

/// <summary>A store that passes every call to another; tests override the calls they change.</summary>
internal abstract class DelegatingStore(IStore inner) : IStore
{
    protected IStore Inner => inner;

    public virtual Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken) => inner.GetCurrentRevisionAsync(cancellationToken);

    public virtual Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken) => inner.GetCompactedRevisionAsync(cancellationToken);

    public virtual Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

    public virtual Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken) => inner.RangeAsync(request, cancellationToken);

    public virtual Task<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) => inner.CreateAsync(key, value, cancellationToken);

    public virtual Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken) => inner.UpdateAsync(key, value, expectedModRevision, cancellationToken);

    public virtual Task<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken cancellationToken) => inner.DeleteAsync(key, expectedModRevision, cancellationToken);

    public virtual IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken) => inner.WatchAsync(prefix, afterRevision, cancellationToken);

    public virtual Task CompactAsync(long revision, CancellationToken cancellationToken) => inner.CompactAsync(revision, cancellationToken);

    public virtual ValueTask DisposeAsync() => inner.DisposeAsync();
}

namespace Timonel.Storage;

/// <summary>
/// A store whose watches can tell, on request, that they are current up to a revision even when
/// nothing under their prefix changed (etcd's progress notifications). A cache fed by such a
/// watch may answer a consistent read at the store's current revision R once it has heard "up to
/// R", instead of reading the store.
/// </summary>
/// <remarks>
/// Only <see cref="Etcd.EtcdStore"/> implements it. The single-process stores (SQLite, memory)
/// do not need to: they are never shared, so the API server writing through them is their only
/// writer and knows its newest write of each prefix itself. Callers test for the interface
/// (<c>store is IWatchProgressStore</c>) and read the store when it is absent; wrappers that do
/// not forward it simply turn the feature off.
/// </remarks>
public interface IWatchProgressStore : IStore
{
    /// <summary>False when this store's server cannot report progress reliably (then nobody should wait for it).</summary>
    bool SupportsWatchProgress { get; }

    /// <summary>
    /// <see cref="IStore.WatchAsync"/>, plus progress: after <paramref name="progress"/>'s
    /// <see cref="WatchProgress.Request"/> the store eventually calls
    /// <see cref="WatchProgress.Report"/> with a revision at least the store's revision when the
    /// request was made, unless the watch is behind (then it answers later, or not at all, and
    /// the consumer asks again).
    /// </summary>
    IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, WatchProgress progress, CancellationToken cancellationToken);
}

using System.Globalization;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Watch.Cache;

/// <summary>
/// Decides which gets and lists the watch cache answers, as upstream's cacher does: a
/// resourceVersion of "0" (any state) or N (not older than N) once the cache has reached it, and
/// a list without resourceVersion (a consistent read) once the cache has every write this server
/// acknowledged, or on a shared datastore once it has reached the store's current revision
/// (upstream's ConsistentListFromCache). Exact resourceVersions, limits and continue
/// tokens read the store. Null answers mean "read the store".
/// </summary>
internal sealed class CachedReads(WatchCaches caches, ObjectLister lister)
{
    /// <summary>A list served from the cache, or null when this one reads the store.</summary>
    public async Task<(List<DecodedEvent> Items, long Revision)?> ListAsync(ApiResource resource, string? ns, ListOptions options, CancellationToken cancellationToken)
    {
        if (options.Continue is not null || options.Limit > 0 || options.ResourceVersionMatch == "Exact")
        {
            return null;
        }

        var cache = caches.For(resource);
        return await ReadyAsync(cache, options.ResourceVersion, cancellationToken).ConfigureAwait(false)
            ? cache.Snapshot(resource.PrefixFor(ns))
            : null;
    }

    /// <summary>
    /// A get at a resourceVersion, or without one on a shared datastore: Served is false when it
    /// reads the store; otherwise Item is the object (null when the cache has none by that name).
    /// A get without resourceVersion on a single server's store reads the store, as upstream's
    /// always does (there it is one local key read, which the cache would not make cheaper).
    /// </summary>
    public async Task<(bool Served, DecodedEvent? Item)> GetAsync(ApiResource resource, string? ns, string name, string? resourceVersion, CancellationToken cancellationToken)
    {
        if (resourceVersion is null && !caches.Options.SharedDatastore)
        {
            return (false, null);
        }

        var cache = caches.For(resource);
        return await ReadyAsync(cache, resourceVersion, cancellationToken).ConfigureAwait(false)
            ? (true, cache.Get(resource.KeyFor(ns, name)))
            : (false, null);
    }

    /// <summary>
    /// True once the cache may answer a read at <paramref name="resourceVersion"/>. Throws 504
    /// (through <see cref="ObjectLister.WaitUntilFreshAsync"/>) for a revision the store itself has
    /// not reached in time.
    /// </summary>
    public async Task<bool> ReadyAsync(WatchCache cache, string? resourceVersion, CancellationToken cancellationToken)
    {
        var wait = caches.Options.FreshnessWait;
        if (resourceVersion is null)
        {
            if (!caches.Options.ConsistentReadsFromCache)
            {
                return false;
            }

            if (!caches.Options.SharedDatastore)
            {
                // Every write this server acknowledged under the prefix, and at least the first list.
                var wanted = Math.Max(cache.WrittenRevision, 0);
                return await cache.WaitForRevisionAsync(wanted, wait, cancellationToken).ConfigureAwait(false) && cache.Following;
            }

            if (!cache.ReportsProgress || !cache.Following)
            {
                return false;
            }

            // Other servers write too: every write the store has acknowledged by now, which the
            // cache learns from its events or, for a resource nobody writes, from the store's
            // progress answer. Not there within the wait: read the store (as upstream falls back).
            var current = await caches.Objects.Store.GetCurrentRevisionAsync(cancellationToken).ConfigureAwait(false);
            return await cache.WaitForRevisionAsync(current, wait, requestProgress: true, cancellationToken).ConfigureAwait(false) && cache.Following;
        }

        var revision = long.Parse(resourceVersion, CultureInfo.InvariantCulture);
        if (cache.Revision >= revision && cache.Revision >= 0)
        {
            return true;
        }

        if (revision > 0)
        {
            await lister.WaitUntilFreshAsync(resourceVersion, cancellationToken).ConfigureAwait(false);
        }

        return await cache.WaitForRevisionAsync(revision, wait, cancellationToken).ConfigureAwait(false);
    }
}

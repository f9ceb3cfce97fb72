using System.Globalization;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Watch.Cache;

/// <summary>
/// Decides which gets and lists the watch cache answers, as upstream's cacher does: a
/// resourceVersion of "0" (any state) or N (not older than N) once the cache has reached it, and
/// a list without resourceVersion (a consistent read) once the cache has every write this server
/// acknowledged (upstream's ConsistentListFromCache). Exact resourceVersions, limits and continue
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
    /// A get at a resourceVersion: Served is false when it reads the store; otherwise Item is the
    /// object (null when the cache has none by that name).
    /// </summary>
    public async Task<(bool Served, DecodedEvent? Item)> GetAsync(ApiResource resource, string? ns, string name, string resourceVersion, CancellationToken cancellationToken)
    {
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

            // Every write this server acknowledged under the prefix, and at least the first list.
            var wanted = Math.Max(cache.WrittenRevision, 0);
            return await cache.WaitForRevisionAsync(wanted, wait, cancellationToken).ConfigureAwait(false) && cache.Following;
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

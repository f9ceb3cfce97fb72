using System.Globalization;
using Microsoft.AspNetCore.Http;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Watch.Cache;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Watch;

/// <summary>
/// Watches served by the watch cache: the starting point (the cache's objects, or its window
/// after a resourceVersion) and then the live events of the resource's one store watch.
/// </summary>
internal sealed partial class WatchStreamer
{
    private async Task StreamFromCacheAsync(HttpContext context, ApiResource resource, string? ns, ListOptions options, EventWriter writer, WatchCaches caches, CachedReads reads, CancellationToken ct)
    {
        var cache = caches.For(resource);
        var prefix = resource.PrefixFor(ns);
        if (!await cache.WaitForRevisionAsync(0, caches.Options.FreshnessWait, ct).ConfigureAwait(false))
        {
            // The cache has not managed its first list (store trouble): serve this watch as before.
            await StreamFromStoreAsync(context, resource, ns, options, writer, ct).ConfigureAwait(false);
            return;
        }

        CacheWatcher watcher;
        var initial = options.SendInitialEvents ?? options.ResourceVersion is null or "0";
        if (initial)
        {
            // Unset: a consistent state (upstream waits for the cache to be fresh); "0": the cache's
            // state as it is; N with sendInitialEvents: a state not older than N.
            var filtered = !options.Labels.IsEmpty || !options.Fields.IsEmpty;
            if (await reads.ReadyAsync(cache, options.ResourceVersion, ct).ConfigureAwait(false))
            {
                (var items, watcher) = cache.WatchWithState(prefix);
                try
                {
                    foreach (var item in items)
                    {
                        if (!filtered || await options.MatchesAsync(resource, item.Object!, ct).ConfigureAwait(false))
                        {
                            await writer.WriteAsync("ADDED", item, ct).ConfigureAwait(false);
                        }
                    }
                }
                catch
                {
                    cache.Unwatch(watcher);
                    throw;
                }
            }
            else
            {
                // The cache cannot vouch for a consistent state (shared datastore): the store lists,
                // the cache follows from the list's revision.
                var page = await lister.ListAsync(resource, ns, options with { Limit = 0, Continue = null, ResourceVersionMatch = null }, ct).ConfigureAwait(false);
                watcher = cache.Watch(prefix, page.Revision);
                try
                {
                    foreach (var item in page.Items)
                    {
                        await writer.WriteAsync("ADDED", item, ct).ConfigureAwait(false);
                    }
                }
                catch
                {
                    cache.Unwatch(watcher);
                    throw;
                }
            }

            if (options.SendInitialEvents == true && options.AllowBookmarks)
            {
                await writer.WriteBookmarkAsync(watcher.After, initialEventsEnd: true, ct).ConfigureAwait(false);
            }
        }
        else
        {
            // sendInitialEvents=false without a resourceVersion starts at the newest revision.
            var after = options.ResourceVersion is null or "0"
                ? await objects.Store.GetCurrentRevisionAsync(ct).ConfigureAwait(false)
                : long.Parse(options.ResourceVersion, CultureInfo.InvariantCulture);
            if (after < cache.Revision)
            {
                // The window may reach further back than the store's history (a compaction since):
                // upstream's answer for such a revision is 410 either way.
                var compacted = await objects.Store.GetCompactedRevisionAsync(ct).ConfigureAwait(false);
                if (after < compacted)
                {
                    throw new StoreCompactedException(after, compacted);
                }
            }

            watcher = cache.Watch(prefix, after);
        }

        try
        {
            await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            await FollowCacheAsync(resource, options, watcher, writer, caches.Stages, ct).ConfigureAwait(false);
        }
        finally
        {
            cache.Unwatch(watcher);
        }
    }

    private async Task FollowCacheAsync(ApiResource resource, ListOptions options, CacheWatcher watcher, EventWriter writer, WatchStageMetrics stages, CancellationToken ct)
    {
        var last = watcher.After;
        foreach (var e in watcher.Replay)
        {
            last = e.Revision;
            await WriteEventAsync(resource, options, e, writer, ct).ConfigureAwait(false);
        }

        await writer.FlushAsync(ct).ConfigureAwait(false);
        var live = watcher.Live;
        var batch = new List<long>();
        while (true)
        {
            // One bookmark timer per interval, not one per wake-up: with a thousand watchers,
            // arming and disposing a timer for every event cost more than writing the event.
            // On the server's clock, so that tests can move it.
            using var due = new CancellationTokenSource(BookmarkInterval, time);
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(ct, due.Token);
            while (true)
            {
                bool ready;
                try
                {
                    ready = await live.WaitToReadAsync(tick.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    if (options.AllowBookmarks)
                    {
                        // Seen is read before the buffer is found empty: everything up to it was written.
                        var seen = watcher.Seen;
                        if (!live.TryPeek(out _))
                        {
                            await writer.WriteBookmarkAsync(Math.Max(last, seen), false, ct).ConfigureAwait(false);
                            await writer.FlushAsync(ct).ConfigureAwait(false);
                        }
                    }

                    break;
                }

                if (!ready)
                {
                    await live.Completion.ConfigureAwait(false);
                    return;
                }

                while (live.TryRead(out var e))
                {
                    last = e.Revision;
                    await WriteEventAsync(resource, options, e, writer, ct).ConfigureAwait(false);
                    batch.Add(e.Origin);
                }

                await writer.FlushAsync(ct).ConfigureAwait(false);
                Flushed(stages, batch);
            }
        }
    }

    // Each event of the batch is now in the watcher's response: the "flushed" stage.
    private static void Flushed(WatchStageMetrics stages, List<long> origins)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var origin in origins)
        {
            stages.Flushed(origin, now);
        }

        origins.Clear();
    }
}

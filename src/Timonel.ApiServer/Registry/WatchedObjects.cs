using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// The objects of one resource, decoded and kept current from the store's watch, for admission
/// to read on every pod create (its namespace, its service account) without a store read and a
/// JSON parse each time, as upstream's admission plugins read from informers. A name not in the
/// cache is read live, so an object created a moment ago is never missed. After this server
/// writes an object of the resource, reads go live until the watch has caught up with that
/// write, so a client sees its own changes (a namespace it just put into Terminating); a change
/// made through another server may lag by the watch's delay, as an informer's does.
/// Returned objects are shared: callers must not change them.
/// </summary>
internal sealed partial class WatchedObjects
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly ObjectStore _objects;
    private readonly ApiResource _resource;
    private readonly ILogger _log;
    private readonly ObjectStore.WriteMark _written;
    private ConcurrentDictionary<string, JsonObject> _items = new(StringComparer.Ordinal);

    // Objects per namespace (namespaced resources), so "none in this namespace" needs no scan.
    private ConcurrentDictionary<string, int> _perNamespace = new(StringComparer.Ordinal);
    private long _applied = -1;

    public WatchedObjects(ObjectStore objects, ApiResource resource, ILogger log)
    {
        _objects = objects;
        _resource = resource;
        _log = log;
        _written = objects.TrackWrites(resource.KeyPrefix);
    }

    public ApiResource Resource => _resource;

    /// <summary>The revision the cache reflects (-1 until the first list has been read).</summary>
    public long AppliedRevision => Volatile.Read(ref _applied);

    public async Task<JsonObject?> GetAsync(string? ns, string name, CancellationToken cancellationToken)
    {
        if (IsCurrent && _items.TryGetValue(_resource.KeyFor(ns, name), out var cached))
        {
            return cached;
        }

        return (await _objects.GetAsync(_resource, ns, name, cancellationToken).ConfigureAwait(false))?.Object;
    }

    /// <summary>
    /// The objects in <paramref name="ns"/> (every object for a cluster-scoped resource, or with
    /// a null namespace): from the cache when it is current, else read live.
    /// </summary>
    public async Task<IReadOnlyList<JsonObject>> ListAsync(string? ns, CancellationToken cancellationToken)
    {
        var prefix = _resource.Namespaced && !string.IsNullOrEmpty(ns) ? $"{_resource.KeyPrefix}{ns}/" : _resource.KeyPrefix;
        if (IsCurrent)
        {
            return [.. _items.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value)];
        }

        var page = await _objects.Store.RangeAsync(new RangeRequest(prefix), cancellationToken).ConfigureAwait(false);
        return [.. page.Items.Select(kv => ObjectStore.Decode(kv).Object)];
    }

    /// <summary>
    /// True when the namespace surely holds none of these objects (the common case for
    /// LimitRanges and ResourceQuotas); false when it holds some or the cache cannot tell, and
    /// the caller reads them live.
    /// </summary>
    public bool NoneIn(string ns) => IsCurrent && (!_perNamespace.TryGetValue(ns, out var count) || count == 0);

    /// <summary>Listed, and caught up with every write this server made to the resource: reads come from memory.</summary>
    public bool IsCurrent => AppliedRevision is var applied && applied >= 0 && applied >= _written.Revision;

    /// <summary>Lists, then follows the watch; lists again when the watch is cut off or compacted away.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var store = _objects.Store;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var list = await store.RangeAsync(new RangeRequest(_resource.KeyPrefix), cancellationToken).ConfigureAwait(false);
                var items = new ConcurrentDictionary<string, JsonObject>(StringComparer.Ordinal);
                var perNamespace = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
                foreach (var kv in list.Items)
                {
                    items[kv.Key] = ObjectStore.Decode(kv).Object;
                    Count(perNamespace, kv.Key, 1);
                }

                _items = items;
                _perNamespace = perNamespace;
                Volatile.Write(ref _applied, list.Revision);
                await foreach (var e in store.WatchAsync(_resource.KeyPrefix, list.Revision, cancellationToken).ConfigureAwait(false))
                {
                    if (e.Type == WatchEventType.Delete)
                    {
                        if (items.TryRemove(e.Kv.Key, out _))
                        {
                            Count(perNamespace, e.Kv.Key, -1);
                        }
                    }
                    else
                    {
                        var decoded = ObjectStore.Decode(e.Kv).Object;
                        if (items.TryAdd(e.Kv.Key, decoded))
                        {
                            Count(perNamespace, e.Kv.Key, 1);
                        }
                        else
                        {
                            items[e.Kv.Key] = decoded;
                        }
                    }

                    Volatile.Write(ref _applied, e.Revision);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever broke the watch (cut off, compacted, store unreachable, a bad value),
                // a cache that stopped following it must not be trusted: reads go live until the
                // next list succeeds.
                Volatile.Write(ref _applied, -1);
                Log.Relisting(_log, _resource.Plural, e.Message);
                try
                {
                    await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    // Only the watch loop changes the counts, so read-modify-write needs no lock.
    private void Count(ConcurrentDictionary<string, int> perNamespace, string key, int delta)
    {
        if (!_resource.Namespaced)
        {
            return;
        }

        var rest = key.AsSpan(_resource.KeyPrefix.Length);
        var slash = rest.IndexOf('/');
        if (slash > 0)
        {
            var ns = rest[..slash].ToString();
            perNamespace[ns] = perNamespace.GetValueOrDefault(ns) + delta;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Cache of {Resource} for admission lost its watch, listing again: {Reason}")]
        public static partial void Relisting(ILogger logger, string resource, string reason);
    }
}

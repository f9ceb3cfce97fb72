using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.Api.Resources;
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
    private long _applied = -1;

    public WatchedObjects(ObjectStore objects, ApiResource resource, ILogger log)
    {
        _objects = objects;
        _resource = resource;
        _log = log;
        _written = objects.TrackWrites(resource.KeyPrefix);
    }

    /// <summary>The revision the cache reflects (-1 until the first list has been read).</summary>
    public long AppliedRevision => Volatile.Read(ref _applied);

    public async Task<JsonObject?> GetAsync(string? ns, string name, CancellationToken cancellationToken)
    {
        var applied = AppliedRevision;
        if (applied >= 0 && applied >= _written.Revision && _items.TryGetValue(_resource.KeyFor(ns, name), out var cached))
        {
            return cached;
        }

        return (await _objects.GetAsync(_resource, ns, name, cancellationToken).ConfigureAwait(false))?.Object;
    }

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
                foreach (var kv in list.Items)
                {
                    items[kv.Key] = ObjectStore.Decode(kv).Object;
                }

                _items = items;
                Volatile.Write(ref _applied, list.Revision);
                await foreach (var e in store.WatchAsync(_resource.KeyPrefix, list.Revision, cancellationToken).ConfigureAwait(false))
                {
                    if (e.Type == WatchEventType.Delete)
                    {
                        items.TryRemove(e.Kv.Key, out _);
                    }
                    else
                    {
                        items[e.Kv.Key] = ObjectStore.Decode(e.Kv).Object;
                    }

                    Volatile.Write(ref _applied, e.Revision);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is StoreWatchLaggedException or StoreCompactedException or StoreUnavailableException or ApiException)
            {
                // Until the next list, reads go live.
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

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Cache of {Resource} for admission lost its watch, listing again: {Reason}")]
        public static partial void Relisting(ILogger logger, string resource, string reason);
    }
}

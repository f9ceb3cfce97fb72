using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Serialization;
using Timonel.Api.Validation;
using Timonel.ApiServer.Http;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Watch;

/// <summary>
/// Serves ?watch=true: a chunked stream of {"type","object"} lines. Starting points follow
/// upstream: no resourceVersion (or "0") first replays the current state as ADDED events;
/// a resourceVersion replays history after it, or ends with a 410 ERROR event once compacted.
/// With selectors, an object moving into the selection is ADDED and one moving out is DELETED.
/// </summary>
internal sealed partial class WatchStreamer(ObjectStore objects, ObjectLister lister, TimeProvider time, Cache.WatchCaches? caches = null, Cache.CachedReads? cachedReads = null)
{
    private readonly DecodedEvents _decoded = new();

    private static readonly TimeSpan BookmarkInterval = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    // The longest timer .NET arms (about 49 days); upstream takes any timeoutSeconds, and a watch
    // asked to last longer is, in practice, one that lasts until the client leaves.
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private static readonly byte[] EventEnd = "}\n"u8.ToArray();
    private static readonly byte[] AddedStart = "{\"type\":\"ADDED\",\"object\":"u8.ToArray();
    private static readonly byte[] ModifiedStart = "{\"type\":\"MODIFIED\",\"object\":"u8.ToArray();
    private static readonly byte[] DeletedStart = "{\"type\":\"DELETED\",\"object\":"u8.ToArray();

    public async Task StreamAsync(HttpContext context, ApiResource resource, string? ns, ListOptions options, OutputKind output, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // timeoutSeconds=0 is "no timeout asked", as upstream reads it: the default applies.
        timeout.CancelAfter(options.TimeoutSeconds is { } s and > 0 ? TimeSpan.FromSeconds(Math.Min(s, MaxTimeout.TotalSeconds)) : DefaultTimeout);
        var ct = timeout.Token;
        var writer = new EventWriter(context, resource, output, context.Request.Query["includeObject"].ToString(), time);

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";

        try
        {
            if (caches is not null && cachedReads is not null)
            {
                await StreamFromCacheAsync(context, resource, ns, options, writer, caches, cachedReads, ct).ConfigureAwait(false);
            }
            else
            {
                await StreamFromStoreAsync(context, resource, ns, options, writer, ct).ConfigureAwait(false);
            }
        }
        catch (ApiException e) when (e.Code == 504 && !context.Response.HasStarted)
        {
            // Initial events asked for at a resourceVersion the store did not reach in time:
            // upstream ends such a watch with an ERROR event, not an HTTP error.
            await writer.WriteErrorAsync(e, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 500 && resource.ConvertsRemotely)
        {
            // The conversion webhook failed on an event: the watch ends with its Status.
            await writer.WriteErrorAsync(e, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StoreCompactedException e)
        {
            var gone = ApiException.Gone($"too old resource version: {options.ResourceVersion} ({e.CompactedRevision + 1})");
            await writer.WriteErrorAsync(gone, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Timeout or client gone: the stream simply ends, as upstream's does.
        }
        catch (StoreWatchLaggedException)
        {
            // This watcher fell too far behind the store: end the stream; the client watches
            // again from the last resourceVersion it saw, as it does after any closed watch.
        }
    }

    private async Task StreamFromStoreAsync(HttpContext context, ApiResource resource, string? ns, ListOptions options, EventWriter writer, CancellationToken ct)
    {
        long after;
        // sendInitialEvents decides when given; otherwise only "no resourceVersion" or "0" replays the state.
        var initial = options.SendInitialEvents ?? options.ResourceVersion is null or "0";
        if (initial)
        {
            var page = await lister.ListAsync(resource, ns, options with { Limit = 0, Continue = null, ResourceVersionMatch = null }, ct).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                await writer.WriteAsync("ADDED", item, ct).ConfigureAwait(false);
            }

            after = page.Revision;
            if (options.SendInitialEvents == true && options.AllowBookmarks)
            {
                await writer.WriteBookmarkAsync(after, initialEventsEnd: true, ct).ConfigureAwait(false);
            }
        }
        else
        {
            // sendInitialEvents=false without a resourceVersion starts at the newest revision.
            after = options.ResourceVersion is null or "0"
                ? await objects.Store.GetCurrentRevisionAsync(ct).ConfigureAwait(false)
                : long.Parse(options.ResourceVersion, CultureInfo.InvariantCulture);
        }

        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
        await FollowAsync(resource, ns, options, after, writer, ct).ConfigureAwait(false);
    }

    private async Task FollowAsync(ApiResource resource, string? ns, ListOptions options, long after, EventWriter writer, CancellationToken ct)
    {
        var events = Channel.CreateBounded<WatchEvent>(new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true });
        var prefix = resource.PrefixFor(ns);
        var pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in objects.Store.WatchAsync(prefix, after, ct).ConfigureAwait(false))
                {
                    await events.Writer.WriteAsync(e, ct).ConfigureAwait(false);
                }

                events.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                events.Writer.TryComplete(ex);
            }
        }, ct);

        var last = after;
        try
        {
            while (true)
            {
                // One bookmark timer per interval, not one per wake-up (see FollowCacheAsync).
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(ct);
                tick.CancelAfter(BookmarkInterval);
                while (true)
                {
                    bool ready;
                    try
                    {
                        ready = await events.Reader.WaitToReadAsync(tick.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        if (options.AllowBookmarks)
                        {
                            await writer.WriteBookmarkAsync(last, false, ct).ConfigureAwait(false);
                            await writer.FlushAsync(ct).ConfigureAwait(false);
                        }

                        break;
                    }

                    if (!ready)
                    {
                        await events.Reader.Completion.ConfigureAwait(false);
                        return;
                    }

                    while (events.Reader.TryRead(out var e))
                    {
                        if (e.Revision <= after)
                        {
                            // A watch from a resourceVersion the store had not reached yet: the store
                            // streams live events from its current revision, upstream's watchers only
                            // those after the one asked for.
                            continue;
                        }

                        last = e.Revision;
                        await WriteEventAsync(resource, options, _decoded.Get(e), writer, ct).ConfigureAwait(false);
                    }

                    await writer.FlushAsync(ct).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task WriteEventAsync(ApiResource resource, ListOptions options, DecodedEvent d, EventWriter writer, CancellationToken ct)
    {
        var filtered = !options.Labels.IsEmpty || !options.Fields.IsEmpty;
        var prevMatches = d.HasPrevious && (!filtered || await options.MatchesAsync(resource, d.Previous!, ct).ConfigureAwait(false));
        if (d.IsDelete)
        {
            if (prevMatches)
            {
                await writer.WriteAsync("DELETED", d, ct).ConfigureAwait(false);
            }

            return;
        }

        var matches = !filtered || await options.MatchesAsync(resource, d.Object!, ct).ConfigureAwait(false);
        var type = (matches, prevMatches) switch
        {
            (true, true) => "MODIFIED",
            (true, false) => "ADDED",
            (false, true) => "DELETED",
            _ => null,
        };
        if (type is not null)
        {
            await writer.WriteAsync(type, d, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes events in the representation the client asked for (object, Table row, metadata).
    /// Events go into the response's pipe without a flush each: the caller flushes once per batch
    /// (on HTTP/2 every flush is a trip through the connection's frame writer), and a long
    /// initial listing is flushed every <see cref="FlushThreshold"/> bytes so that it does not
    /// pile up in memory ahead of a slow client.
    /// </summary>
    private sealed class EventWriter(HttpContext context, ApiResource resource, OutputKind output, string includeObject, TimeProvider time)
    {
        private const int FlushThreshold = 64 * 1024;
        private bool _columnsSent;
        private long _unflushed;

        /// <summary>Writes a stored event: the new object, or for a delete the previous one.</summary>
        public ValueTask WriteAsync(string type, DecodedEvent e, CancellationToken ct)
        {
            var deleted = e.IsDelete;
            if (output == OutputKind.Object && !resource.ConvertsRemotely && (deleted ? e.PreviousJsonIn(resource) : e.ObjectJsonIn(resource)) is { } objectJson)
            {
                // The shared, pre-serialized object: {"type":"...","object":<bytes>}
                var start = EventStart(type);
                var pipe = context.Response.BodyWriter;
                pipe.Write(start);
                pipe.Write(objectJson);
                pipe.Write(EventEnd);
                return Written(start.Length + objectJson.Length + EventEnd.Length, ct);
            }

            return new ValueTask(WriteAsync(type, (deleted ? e.Previous : e.Object)!, ct));
        }

        private static byte[] EventStart(string type) => type switch
        {
            "ADDED" => AddedStart,
            "MODIFIED" => ModifiedStart,
            "DELETED" => DeletedStart,
            _ => System.Text.Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":"),
        };

        public async Task WriteAsync(string type, JsonObject obj, CancellationToken ct)
        {
            JsonNode payload = output switch
            {
                OutputKind.Table => await TableBuilder.TableAsync(resource, [obj], new JsonObject { ["resourceVersion"] = ObjectMetaAccess.ResourceVersion(obj) }, includeObject, time.GetUtcNow(), ct, withColumns: !_columnsSent).ConfigureAwait(false),
                OutputKind.PartialObjectMetadata => TableBuilder.PartialMetadata(obj),
                _ => await resource.FromStorageAsync(obj, ct).ConfigureAwait(false),
            };
            _columnsSent = true;
            await WriteRawAsync(new JsonObject { ["type"] = type, ["object"] = payload }, ct).ConfigureAwait(false);
        }

        public Task WriteBookmarkAsync(long revision, bool initialEventsEnd, CancellationToken ct)
        {
            var meta = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
            if (initialEventsEnd)
            {
                meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
            }

            return WriteRawAsync(new JsonObject
            {
                ["type"] = "BOOKMARK",
                ["object"] = new JsonObject { ["kind"] = resource.Kind, ["apiVersion"] = resource.ApiVersion, ["metadata"] = meta },
            }, ct);
        }

        public Task WriteErrorAsync(ApiException error, CancellationToken ct) =>
            WriteRawAsync(new JsonObject { ["type"] = "ERROR", ["object"] = StatusWriter.Failure(error) }, ct);

        public async Task FlushAsync(CancellationToken ct)
        {
            _unflushed = 0;
            await context.Response.BodyWriter.FlushAsync(ct).ConfigureAwait(false);
        }

        private Task WriteRawAsync(JsonObject evt, CancellationToken ct)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(evt, GoJsonEncoder.SerializerOptions);
            var pipe = context.Response.BodyWriter;
            pipe.Write(bytes);
            pipe.Write(NewLine);
            return Written(bytes.Length + NewLine.Length, ct).AsTask();
        }

        private ValueTask Written(int bytes, CancellationToken ct)
        {
            _unflushed += bytes;
            return _unflushed >= FlushThreshold ? new ValueTask(FlushAsync(ct)) : ValueTask.CompletedTask;
        }
    }
}

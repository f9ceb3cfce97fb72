using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Registry;
using Timonel.Storage;

namespace Timonel.ApiServer.Watch;

/// <summary>A store event decoded once: its objects (read-only, shared) and their JSON bytes.</summary>
internal sealed class DecodedEvent
{
    /// <summary>The new object (Put) — null for a delete.</summary>
    public JsonObject? Object { get; init; }

    public byte[]? ObjectJson { get; init; }

    /// <summary>The previous object; for a delete its resourceVersion is the delete's revision, as upstream reports it.</summary>
    public JsonObject? Previous { get; init; }

    public byte[]? PreviousJson { get; init; }
}

/// <summary>
/// Memoizes decoding per store event, so a thousand watchers of one resource parse and
/// serialize each event once instead of a thousand times. Entries live as long as the store's
/// event object does (a weak table); the objects handed out must not be changed.
/// </summary>
internal sealed class DecodedEvents
{
    private readonly ConditionalWeakTable<WatchEvent, DecodedEvent> _cache = new();

    public DecodedEvent Get(WatchEvent e) => _cache.GetValue(e, Decode);

    private static DecodedEvent Decode(WatchEvent e)
    {
        JsonObject? prev = null;
        if (e.PrevKv is not null)
        {
            prev = ObjectStore.Decode(e.PrevKv).Object;
            if (e.Type == WatchEventType.Delete)
            {
                Meta.Metadata(prev)["resourceVersion"] = e.Revision.ToString(CultureInfo.InvariantCulture);
            }
        }

        var obj = e.Type == WatchEventType.Put ? ObjectStore.Decode(e.Kv).Object : null;
        return new DecodedEvent
        {
            Object = obj,
            ObjectJson = obj is null ? null : JsonSerializer.SerializeToUtf8Bytes(obj),
            Previous = prev,
            PreviousJson = prev is null || e.Type == WatchEventType.Put ? null : JsonSerializer.SerializeToUtf8Bytes(prev),
        };
    }
}

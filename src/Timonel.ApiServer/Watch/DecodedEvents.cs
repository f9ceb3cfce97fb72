using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Serialization;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Watch;

/// <summary>
/// A store event prepared once for every watcher: the JSON bytes of its objects (the stored
/// bytes with resourceVersion spliced in, no parse) and, only when a watcher filters by label
/// or field or asks for another representation, the parsed objects (read-only, shared); for a
/// version other than the storage one, the converted bytes, once per version.
/// </summary>
internal sealed class DecodedEvent(WatchEvent e)
{
    private JsonObject? _object;
    private JsonObject? _previous;
    private byte[]? _objectJson;
    private byte[]? _previousJson;
    private ConcurrentDictionary<(string Version, bool Previous), byte[]>? _views;

    /// <summary>
    /// When the event's journey started, in <see cref="System.Diagnostics.Stopwatch"/> ticks: the
    /// store's commit when known, else its arrival in the watch cache (0 outside the cache).
    /// </summary>
    public long Origin { get; init; }

    /// <summary>Where the serialization stage is recorded (null outside the cache).</summary>
    public Cache.WatchStageMetrics? Stages { get; init; }

    /// <summary>The key the event is about.</summary>
    public string Key => e.Kv.Key;

    /// <summary>The revision of the change.</summary>
    public long Revision => e.Revision;

    /// <summary>True for a delete: the event's object is the previous one.</summary>
    public bool IsDelete => e.Type == WatchEventType.Delete;

    /// <summary>True when the event carries a previous object (every update and delete).</summary>
    public bool HasPrevious => e.PrevKv is not null;

    /// <summary>The new object (Put) — null for a delete.</summary>
    public JsonObject? Object => e.Type == WatchEventType.Put ? LazyInitializer.EnsureInitialized(ref _object, () => ObjectStore.Decode(e.Kv).Object) : null;

    /// <summary>The new object's JSON (Put) — null for a delete.</summary>
    public byte[]? ObjectJson => e.Type == WatchEventType.Put ? LazyInitializer.EnsureInitialized(ref _objectJson, () => Timed(Json(e.Kv))) : null;

    /// <summary>The previous object; for a delete its resourceVersion is the delete's revision, as upstream reports it.</summary>
    public JsonObject? Previous => e.PrevKv is { } prev ? LazyInitializer.EnsureInitialized(ref _previous, () => ObjectStore.Decode(PreviousAsReported(prev)).Object) : null;

    /// <summary>The previous object's JSON, for a delete only (an update sends the new object).</summary>
    public byte[]? PreviousJson => e.PrevKv is { } prev && e.Type == WatchEventType.Delete ? LazyInitializer.EnsureInitialized(ref _previousJson, () => Json(PreviousAsReported(prev))) : null;

    /// <summary>
    /// The new object's JSON as <paramref name="resource"/>'s version reads it (Put only): the
    /// stored bytes for the storage version, else a conversion made once per version and shared
    /// by every watcher and list of that version.
    /// </summary>
    public byte[]? ObjectJsonIn(ApiResource resource) =>
        resource.ServesStoredBytes ? ObjectJson : Object is { } obj ? View(resource, previous: false, obj) : null;

    /// <summary>The previous object's JSON (a delete only) as <paramref name="resource"/>'s version reads it.</summary>
    public byte[]? PreviousJsonIn(ApiResource resource) =>
        resource.ServesStoredBytes ? PreviousJson : PreviousJson is not null ? View(resource, previous: true, Previous!) : null;

    private byte[] View(ApiResource resource, bool previous, JsonObject stored)
    {
        var views = LazyInitializer.EnsureInitialized(ref _views, () => new ConcurrentDictionary<(string, bool), byte[]>());
        return views.GetOrAdd((resource.Version, previous), _ => JsonSerializer.SerializeToUtf8Bytes(resource.FromStorage(stored), GoJsonEncoder.SerializerOptions));
    }

    private byte[] Timed(byte[] json)
    {
        if (Stages is { } stages && Origin != 0)
        {
            stages.Serialized(Origin, System.Diagnostics.Stopwatch.GetTimestamp());
        }

        return json;
    }

    private KeyValue PreviousAsReported(KeyValue prev) => e.Type == WatchEventType.Delete ? prev with { ModRevision = e.Revision } : prev;

    private static byte[] Json(KeyValue kv) => ObjectStore.RawWithRevision(kv) ?? JsonSerializer.SerializeToUtf8Bytes(ObjectStore.Decode(kv).Object, GoJsonEncoder.SerializerOptions);
}

/// <summary>
/// Memoizes the preparation of each store event, so a thousand watchers of one resource share
/// one copy of its bytes instead of building a thousand. Entries live as long as the store's
/// event object does (a weak table); the objects handed out must not be changed.
/// </summary>
internal sealed class DecodedEvents
{
    private readonly ConditionalWeakTable<WatchEvent, DecodedEvent> _cache = new();

    public DecodedEvent Get(WatchEvent e) => _cache.GetValue(e, static e => new DecodedEvent(e));
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Serialization;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Objects in the key space: JSON bytes under upstream's /registry/... keys. The stored bytes
/// never carry metadata.resourceVersion; it is the key's mod revision, set on every read.
/// Store conditions come back as Kubernetes errors (404, 409 AlreadyExists, 409 Conflict).
/// </summary>
internal sealed class ObjectStore(IStore store)
{
    // Few (one per cache that asks); replaced, never changed, so writers read it without a lock.
    private readonly Lock _marksLock = new();
    private WriteMark[] _marks = [];

    public IStore Store => store;

    /// <summary>The revision of the newest write this server made under a key prefix (0 before any).</summary>
    public sealed class WriteMark(string prefix)
    {
        private long _revision;

        public string Prefix { get; } = prefix;

        public long Revision => Interlocked.Read(ref _revision);

        internal void Record(long revision)
        {
            var seen = Interlocked.Read(ref _revision);
            while (revision > seen)
            {
                var was = Interlocked.CompareExchange(ref _revision, revision, seen);
                if (was == seen)
                {
                    return;
                }

                seen = was;
            }
        }
    }

    /// <summary>Starts recording the revision of every write under <paramref name="prefix"/> (for caches that must see this server's own writes).</summary>
    public WriteMark TrackWrites(string prefix)
    {
        var mark = new WriteMark(prefix);
        lock (_marksLock)
        {
            _marks = [.. _marks, mark];
        }

        return mark;
    }

    /// <summary>Records a write made to the store directly (allocation claims), so caches wait for it as for this class's own.</summary>
    public void Written(string key, long revision)
    {
        foreach (var mark in Volatile.Read(ref _marks))
        {
            if (key.StartsWith(mark.Prefix, StringComparison.Ordinal))
            {
                mark.Record(revision);
            }
        }
    }

    /// <summary>The raw JSON of one object with its resourceVersion (the GET fast path), or null when absent.</summary>
    public async Task<byte[]?> GetRawAsync(ApiResource resource, string? ns, string name, CancellationToken cancellationToken)
    {
        var kv = await store.GetAsync(resource.KeyFor(ns, name), cancellationToken).ConfigureAwait(false);
        return kv is null ? null : RawWithRevision(kv) ?? JsonSerializer.SerializeToUtf8Bytes(Decode(kv).Object, GoJsonEncoder.SerializerOptions);
    }

    public async Task<StoredObject?> GetAsync(ApiResource resource, string? ns, string name, CancellationToken cancellationToken)
    {
        var kv = await store.GetAsync(resource.KeyFor(ns, name), cancellationToken).ConfigureAwait(false);
        return kv is null ? null : Decode(kv);
    }

    public async Task<StoredObject> GetRequiredAsync(ApiResource resource, string? ns, string name, CancellationToken cancellationToken) =>
        await GetAsync(resource, ns, name, cancellationToken).ConfigureAwait(false)
        ?? throw ApiException.NotFound(resource.Group, resource.Plural, name);

    public async Task<StoredObject> CreateAsync(ApiResource resource, JsonObject obj, CancellationToken cancellationToken)
    {
        var name = ObjectMetaAccess.Name(obj)!;
        var key = resource.KeyFor(ObjectMetaAccess.Namespace(obj), name);
        var result = await store.CreateAsync(key, Encode(obj), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw ApiException.AlreadyExists(resource.Group, resource.Plural, name);
        }

        Written(key, result.Current!.ModRevision);

        return WithRevision(obj, result.Current!.ModRevision);
    }

    /// <summary>Writes <paramref name="obj"/> if the stored mod revision is still <paramref name="expectedRevision"/>.</summary>
    public async Task<StoredObject> UpdateAsync(ApiResource resource, JsonObject obj, long expectedRevision, CancellationToken cancellationToken)
    {
        var name = ObjectMetaAccess.Name(obj)!;
        var key = resource.KeyFor(ObjectMetaAccess.Namespace(obj), name);
        var result = await store.UpdateAsync(key, Encode(obj), expectedRevision, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw result.Current is null
                ? ApiException.NotFound(resource.Group, resource.Plural, name)
                : ApiException.Conflict(resource.Group, resource.Plural, name, "the object has been modified; please apply your changes to the latest version and try again");
        }

        Written(key, result.Current!.ModRevision);

        return WithRevision(obj, result.Current!.ModRevision);
    }

    public async Task<StoredObject> DeleteAsync(ApiResource resource, string? ns, string name, long expectedRevision, CancellationToken cancellationToken)
    {
        var key = resource.KeyFor(ns, name);
        var result = await store.DeleteAsync(key, expectedRevision, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw result.Current is null
                ? ApiException.NotFound(resource.Group, resource.Plural, name)
                : ApiException.Conflict(resource.Group, resource.Plural, name, "the object has been modified; please apply your changes to the latest version and try again");
        }

        Written(key, result.Revision);

        var deleted = Decode(result.Current!);
        return deleted with { ModRevision = result.Revision };
    }

    public static StoredObject Decode(KeyValue kv)
    {
        if (kv.ReadError is { } readError)
        {
            // Upstream's storage.NewInternalError: the object cannot be read, others can.
            throw ApiException.Internal($"Internal error occurred: {readError}");
        }

        var obj = JsonNode.Parse(kv.Value.Span) as JsonObject
            ?? throw ApiException.Internal($"stored value under {kv.Key} is not a JSON object");
        var stored = WithRevision(obj, kv.ModRevision);
        return kv.Stale ? stored with { Stale = true } : stored;
    }

    /// <summary>
    /// Serializes an object for the store: apiVersion, kind, metadata first (so reads can splice
    /// resourceVersion in without parsing, see <see cref="RawWithRevision"/>), never the
    /// resourceVersion itself.
    /// </summary>
    public static byte[] Encode(JsonObject obj)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, GoJsonEncoder.WriterOptions))
        {
            w.WriteStartObject();
            foreach (var first in FirstFields)
            {
                if (obj[first] is { } value)
                {
                    w.WritePropertyName(first);
                    if (first == "metadata" && value is JsonObject meta)
                    {
                        w.WriteStartObject();
                        foreach (var (k, v) in meta)
                        {
                            if (k != "resourceVersion")
                            {
                                w.WritePropertyName(k);
                                WriteNode(w, v);
                            }
                        }

                        w.WriteEndObject();
                    }
                    else
                    {
                        value.WriteTo(w);
                    }
                }
            }

            foreach (var (k, v) in obj)
            {
                if (!FirstFields.Contains(k))
                {
                    w.WritePropertyName(k);
                    WriteNode(w, v);
                }
            }

            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// The stored bytes with metadata.resourceVersion set, without a parse: valid for values
    /// written by <see cref="Encode"/> (metadata is the first object-valued field and has a name).
    /// Returns null when the layout is not the expected one, or when the bytes may hold an escape
    /// Go would not write (values stored before <see cref="GoJsonEncoder"/>, e.g. <c>\u0022</c>,
    /// <c>\u00E9</c>); callers then decode and re-encode.
    /// </summary>
    public static byte[]? RawWithRevision(KeyValue kv)
    {
        if (kv.ReadError is not null)
        {
            return null;
        }

        var span = kv.Value.Span;
        if (!GoJsonEscapes.OnlyGoEscapes(span))
        {
            return null;
        }

        var at = span.IndexOf("\"metadata\":{"u8);
        // apiVersion and kind are plain strings, so the first occurrence is the top-level one.
        if (at < 0 || span.Slice(0, at).IndexOf("{"u8) != 0 || span.Slice(1, at).IndexOf((byte)'{') >= 0 || span[at + 12] == (byte)'}')
        {
            return null;
        }

        var insert = System.Text.Encoding.UTF8.GetBytes($"\"resourceVersion\":\"{kv.ModRevision.ToString(CultureInfo.InvariantCulture)}\",");
        var result = new byte[span.Length + insert.Length];
        span.Slice(0, at + 12).CopyTo(result);
        insert.CopyTo(result.AsSpan(at + 12));
        span.Slice(at + 12).CopyTo(result.AsSpan(at + 12 + insert.Length));
        return result;
    }

    private static readonly string[] FirstFields = ["apiVersion", "kind", "metadata"];

    private static void WriteNode(Utf8JsonWriter w, JsonNode? node)
    {
        if (node is null)
        {
            w.WriteNullValue();
        }
        else
        {
            node.WriteTo(w);
        }
    }

    private static StoredObject WithRevision(JsonObject obj, long revision)
    {
        ObjectMetaAccess.Metadata(obj)["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
        return new StoredObject(obj, revision);
    }
}

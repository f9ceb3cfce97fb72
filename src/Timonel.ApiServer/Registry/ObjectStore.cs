using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Objects in the key space: JSON bytes under upstream's /registry/... keys. The stored bytes
/// never carry metadata.resourceVersion; it is the key's mod revision, set on every read.
/// Store conditions come back as Kubernetes errors (404, 409 AlreadyExists, 409 Conflict).
/// </summary>
internal sealed class ObjectStore(IStore store)
{
    public IStore Store => store;

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
        var name = Meta.Name(obj)!;
        var result = await store.CreateAsync(resource.KeyFor(Meta.Namespace(obj), name), Encode(obj), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw ApiException.AlreadyExists(resource.Group, resource.Plural, name);
        }

        return WithRevision(obj, result.Current!.ModRevision);
    }

    /// <summary>Writes <paramref name="obj"/> if the stored mod revision is still <paramref name="expectedRevision"/>.</summary>
    public async Task<StoredObject> UpdateAsync(ApiResource resource, JsonObject obj, long expectedRevision, CancellationToken cancellationToken)
    {
        var name = Meta.Name(obj)!;
        var result = await store.UpdateAsync(resource.KeyFor(Meta.Namespace(obj), name), Encode(obj), expectedRevision, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw result.Current is null
                ? ApiException.NotFound(resource.Group, resource.Plural, name)
                : ApiException.Conflict(resource.Group, resource.Plural, name, "the object has been modified; please apply your changes to the latest version and try again");
        }

        return WithRevision(obj, result.Current!.ModRevision);
    }

    public async Task<StoredObject> DeleteAsync(ApiResource resource, string? ns, string name, long expectedRevision, CancellationToken cancellationToken)
    {
        var result = await store.DeleteAsync(resource.KeyFor(ns, name), expectedRevision, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw result.Current is null
                ? ApiException.NotFound(resource.Group, resource.Plural, name)
                : ApiException.Conflict(resource.Group, resource.Plural, name, "the object has been modified; please apply your changes to the latest version and try again");
        }

        var deleted = Decode(result.Current!);
        return deleted with { ModRevision = result.Revision };
    }

    public static StoredObject Decode(KeyValue kv)
    {
        var obj = JsonNode.Parse(kv.Value.Span) as JsonObject
            ?? throw ApiException.Internal($"stored value under {kv.Key} is not a JSON object");
        return WithRevision(obj, kv.ModRevision);
    }

    public static byte[] Encode(JsonObject obj)
    {
        var meta = obj["metadata"] as JsonObject;
        var rv = meta?["resourceVersion"];
        meta?.Remove("resourceVersion");
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(obj);
        }
        finally
        {
            if (rv is not null)
            {
                meta!["resourceVersion"] = rv;
            }
        }
    }

    private static StoredObject WithRevision(JsonObject obj, long revision)
    {
        Meta.Metadata(obj)["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
        return new StoredObject(obj, revision);
    }
}

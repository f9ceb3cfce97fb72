using System.Text.Json.Nodes;

namespace Timonel.Registry.Resources;

/// <summary>
/// One served version of a <see cref="ResourceDefinition"/>: what a request path resolves to.
/// Everything but the version comes from the definition.
/// </summary>
public sealed record ApiResource(ResourceDefinition Definition, string Version)
{
    public string Group => Definition.Group;

    public string Kind => Definition.Kind;

    public string Plural => Definition.Plural;

    public string Singular => Definition.Singular;

    public bool Namespaced => Definition.Namespaced;

    /// <summary>The model type of this version.</summary>
    public Type ModelType => Definition.ModelTypeOf(Version);

    /// <summary>True when objects are stored in this version (reads and writes need no conversion).</summary>
    public bool IsStorageVersion => Version == Definition.StorageVersion;

    /// <summary>This resource in its storage version: what the registry, admission and the store work with.</summary>
    public ApiResource Storage => IsStorageVersion ? this : new ApiResource(Definition, Definition.StorageVersion);

    /// <summary>A stored object as this version reads it: the object itself for the storage version, else a converted copy.</summary>
    public JsonObject FromStorage(JsonObject stored)
    {
        var served = IsStorageVersion ? stored : Definition.Converter.Convert(stored, Definition.StorageVersion, Version);
        return Definition.Strategy is CustomResources.CustomResourceStrategy custom ? custom.OnRead(served) : served;
    }

    /// <summary>An object of this version as it is stored: the object itself for the storage version, else a converted copy.</summary>
    public JsonObject ToStorage(JsonObject obj) =>
        IsStorageVersion ? obj : Definition.Converter.Convert(obj, Version, Definition.StorageVersion);

    /// <summary>
    /// True when objects are converted by someone else (a conversion webhook): every read and
    /// write goes through the async conversions below, and the shortcuts that hand out stored
    /// bytes (raw gets, cached reads, shared watch bytes) are not taken, since even the storage
    /// version may hold objects written in an older one.
    /// </summary>
    public bool ConvertsRemotely => Definition.Converter is IRemoteVersionConverter;

    /// <summary>As <see cref="FromStorage"/>, through the remote converter when there is one.</summary>
    public async Task<JsonObject> FromStorageAsync(JsonObject stored, CancellationToken cancellationToken) =>
        ConvertsRemotely ? (await FromStorageAsync([stored], cancellationToken).ConfigureAwait(false))[0] : FromStorage(stored);

    /// <summary>Stored objects as this version reads them; a remote converter gets them in one request.</summary>
    public async Task<IReadOnlyList<JsonObject>> FromStorageAsync(IReadOnlyList<JsonObject> stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (Definition.Converter is not IRemoteVersionConverter remote)
        {
            return stored.Select(FromStorage).ToList();
        }

        var converted = stored.Count == 0 ? stored : await remote.ConvertAsync(stored, Version, cancellationToken).ConfigureAwait(false);
        return Definition.Strategy is CustomResources.CustomResourceStrategy custom ? converted.Select(custom.OnRead).ToList() : converted;
    }

    /// <summary>As <see cref="ToStorage"/>, through the remote converter when there is one.</summary>
    public async Task<JsonObject> ToStorageAsync(JsonObject obj, CancellationToken cancellationToken) =>
        Definition.Converter is IRemoteVersionConverter remote
            ? (await remote.ConvertAsync([obj], Definition.StorageVersion, cancellationToken).ConfigureAwait(false))[0]
            : ToStorage(obj);

    /// <summary>The Warning a request to this version gets (a deprecated custom resource version), or null.</summary>
    public string? DeprecationWarning => Definition.Versions.FirstOrDefault(v => v.Name == Version)?.DeprecationWarning;

    public IReadOnlyList<string> ShortNames => Definition.ShortNames;

    public IReadOnlyList<string> Categories => Definition.Categories;

    /// <summary>Subresource names, in definition order.</summary>
    public IReadOnlyList<string> Subresources => Definition.SubresourceNames;

    /// <summary>"v1" for the core group, else "group/version".</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The list kind, e.g. "PodList".</summary>
    public string ListKind => Kind + "List";

    /// <summary>"pods" or "deployments.apps": the name RBAC and error messages use.</summary>
    public string GroupResource => Definition.GroupResource;

    public bool HasStatus => Definition.HasSubresource("status");

    public bool HasScale => Definition.HasSubresource("scale");

    /// <summary>The storage key prefix for this resource (ending in '/').</summary>
    public string KeyPrefix => Definition.StoragePrefix;

    /// <summary>The storage key of one object.</summary>
    public string KeyFor(string? @namespace, string name) =>
        Namespaced ? $"{KeyPrefix}{@namespace}/{name}" : $"{KeyPrefix}{name}";

    /// <summary>The storage prefix of every object in a namespace (or all of them when null).</summary>
    public string PrefixFor(string? @namespace) =>
        Namespaced && !string.IsNullOrEmpty(@namespace) ? $"{KeyPrefix}{@namespace}/" : KeyPrefix;

    public override string ToString() => $"{GroupResource}/{Version}";
}

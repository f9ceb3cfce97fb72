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

    /// <summary>This version's own entry in the definition (null for a version the definition does not list).</summary>
    public ResourceVersion? VersionEntry => Definition.Versions.FirstOrDefault(v => v.Name == Version);

    /// <summary>The write rules of this version: its own (a custom resource version's schema) or the definition's.</summary>
    public Strategies.IResourceStrategy Strategy => VersionEntry?.Strategy ?? Definition.Strategy;

    /// <summary>A stored object as this version reads it: the object itself for the storage version, else a converted copy.</summary>
    public JsonObject FromStorage(JsonObject stored)
    {
        if (Definition.Custom is null)
        {
            return IsStorageVersion ? stored : Definition.Converter.Convert(stored, Definition.StorageVersion, Version);
        }

        var (decoded, version) = DecodeStored(stored);
        return version == Version ? decoded : Served(Definition.Converter.Convert(decoded, version, Version));
    }

    /// <summary>
    /// A stored custom resource as upstream's storage decoder reads it: pruned and defaulted by the
    /// schema of the version it was written in (its apiVersion; the storage version's when that
    /// version is gone), before any conversion. A copy unless the schema changes nothing.
    /// </summary>
    private (JsonObject Decoded, string Version) DecodeStored(JsonObject stored)
    {
        var apiVersion = Api.Validation.JsonAccess.AsString(stored["apiVersion"]) ?? "";
        var version = apiVersion[(apiVersion.LastIndexOf('/') + 1)..];
        var entry = Definition.Versions.FirstOrDefault(v => v.Name == version);
        if (entry is null)
        {
            version = Definition.StorageVersion;
        }

        var strategy = entry?.Strategy ?? Definition.Strategy;
        return (strategy is CustomResources.CustomResourceStrategy custom ? custom.OnRead(stored) : stored, version);
    }

    // A converted custom resource loses what this version's schema does not know (upstream's schema-coercing converter).
    private JsonObject Served(JsonObject converted)
    {
        if (Strategy is CustomResources.CustomResourceStrategy custom)
        {
            custom.Schema.Prune(converted);
        }

        return converted;
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

        if (stored.Count == 0)
        {
            return stored;
        }

        // Decoded (pruned, defaulted) in the stored version, converted, then pruned to this version's schema.
        var decoded = stored.Select(s => DecodeStored(s).Decoded).ToList();
        var converted = await remote.ConvertAsync(decoded, Version, cancellationToken).ConfigureAwait(false);
        return converted.Select(Served).ToList();
    }

    /// <summary>As <see cref="ToStorage"/>, through the remote converter when there is one.</summary>
    public async Task<JsonObject> ToStorageAsync(JsonObject obj, CancellationToken cancellationToken) =>
        Definition.Converter is IRemoteVersionConverter remote
            ? (await remote.ConvertAsync([obj], Definition.StorageVersion, cancellationToken).ConfigureAwait(false))[0]
            : ToStorage(obj);

    /// <summary>
    /// A custom resource written in this version as it is stored: converted to the storage
    /// version and pruned by that version's schema (upstream's storage encoder), so a field only
    /// this version knows is not stored when conversion keeps it (strategy None). The storage
    /// version's defaults are filled in too: upstream applies them on every read, and stored
    /// with the object they let reads of the storage version serve its bytes as they are. A new object.
    /// </summary>
    public async Task<JsonObject> ToStoredCustomResourceAsync(JsonObject obj, CancellationToken cancellationToken)
    {
        if (IsStorageVersion)
        {
            return obj;
        }

        var stored = await ToStorageAsync(obj, cancellationToken).ConfigureAwait(false);
        if (Definition.Strategy is CustomResources.CustomResourceStrategy custom)
        {
            custom.Schema.Prune(stored);
            custom.Schema.ApplyDefaults(stored);
        }

        return stored;
    }

    /// <summary>
    /// True when reads may hand out a stored object's bytes unparsed: the storage version of a
    /// resource that does not convert remotely. A custom resource's stored bytes are pruned and
    /// defaulted by the storage version's schema when written (whatever version wrote them), so
    /// they read as upstream's decoder would give them, unless the schema changed since.
    /// </summary>
    public bool ServesStoredBytes => IsStorageVersion && !ConvertsRemotely;

    /// <summary>The Warning a request to this version gets (a deprecated custom resource version), or null.</summary>
    public string? DeprecationWarning => Definition.Versions.FirstOrDefault(v => v.Name == Version)?.DeprecationWarning;

    public IReadOnlyList<string> ShortNames => Definition.ShortNames;

    public IReadOnlyList<string> Categories => Definition.Categories;

    /// <summary>Subresource names, in definition order: this version's own (a custom resource version's) or the definition's.</summary>
    public IReadOnlyList<string> Subresources => VersionEntry?.Subresources is { } own ? own.Select(s => s.Name).ToList() : Definition.SubresourceNames;

    /// <summary>The subresource called <paramref name="name"/> in this version, or null.</summary>
    public SubresourceDefinition? Subresource(string name) =>
        VersionEntry?.Subresources is { } own ? own.FirstOrDefault(s => s.Name == name) : Definition.Subresource(name);

    /// <summary>"v1" for the core group, else "group/version".</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The list kind, e.g. "PodList".</summary>
    public string ListKind => Kind + "List";

    /// <summary>"pods" or "deployments.apps": the name RBAC and error messages use.</summary>
    public string GroupResource => Definition.GroupResource;

    /// <summary>Where this version's scale subresource reads and writes replicas (custom resources), or null for the built-in kinds' spec.replicas.</summary>
    public CustomResources.ScalePaths? ScalePaths => VersionEntry?.ScalePaths ?? Definition.ScalePaths;

    public bool HasStatus => Subresource("status") is not null;

    public bool HasScale => Subresource("scale") is not null;

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

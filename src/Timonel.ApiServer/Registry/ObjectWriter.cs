using System.Globalization;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.FieldManagement;
using Timonel.Api.Validation;
using Timonel.ApiServer.Admission;
using Timonel.Registry.CustomResources;
using Timonel.Registry.Resources;
using Timonel.Registry.Schema;
using Timonel.Registry.Strategies;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// The generic create and update paths every resource goes through (upstream's generic
/// registry store): type checks, server-owned metadata, strategy, validation, admission, and
/// the conditional store write. Nothing is written unless every step passed.
/// </summary>
internal sealed class ObjectWriter(ObjectStore objects, IEnumerable<IMutatingAdmissionHook> mutating, IEnumerable<IAdmissionHook> hooks, NameGenerator names, TimeProvider time, IEnumerable<IRequesterAdmissionHook>? requesterHooks = null, Admission.Webhooks.AdmissionWebhooks? webhooks = null)
{
    private readonly IAdmissionHook[] _hooks = hooks.ToArray();
    private readonly IRequesterAdmissionHook[] _requesterHooks = requesterHooks?.ToArray() ?? [];
    private readonly IMutatingAdmissionHook[] _mutating = mutating.ToArray();
    private readonly IRequestAdmission[] _validating = hooks.OfType<IRequestAdmission>().ToArray();
    private readonly UidGenerator _uids = new();

    // Fields a client may not set: the server owns them.
    /// <summary>How many unknown fields a fieldValidation=Strict error names.</summary>
    internal const int MaxStrictFieldsListed = 100;

    private static readonly string[] ServerOwnedAfterAdmission = ["name", "namespace", "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"];

    private static readonly string[] ServerOwnedOnCreate =
        ["uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink", "managedFields"];

    // A conversion webhook's failure on the way to storage is upstream's storage error: "Internal error occurred: ...".
    private static async Task<JsonObject> ToStorageAsync(ApiResource resource, JsonObject obj, CancellationToken cancellationToken)
    {
        try
        {
            return await resource.ToStorageAsync(obj, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 500 && resource.ConvertsRemotely)
        {
            throw ApiException.Internal("Internal error occurred: " + e.Message);
        }
    }

    // A custom resource is prepared, defaulted, validated and admitted in the request's version and
    // converted only for the store write (upstream's per-version CRD handlers, whose storage codec
    // converts); built-in kinds are converted to their storage version at once.
    private static bool StaysInRequestVersion(ApiResource resource) => resource.Definition.Custom is not null;

    // The object as the store keeps it: a custom resource converted (and pruned) to the storage version.
    private static async Task<JsonObject> StoredFormAsync(ApiResource resource, JsonObject obj, CancellationToken cancellationToken)
    {
        if (!StaysInRequestVersion(resource) || resource.IsStorageVersion)
        {
            return obj;
        }

        try
        {
            return await resource.ToStoredCustomResourceAsync(obj, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 500 && resource.ConvertsRemotely)
        {
            throw ApiException.Internal("Internal error occurred: " + e.Message);
        }
    }

    // A read on the way to a write: a conversion webhook's failure is the write's storage error.
    private static async Task<JsonObject> FromStorageAsync(ApiResource resource, JsonObject stored, CancellationToken cancellationToken)
    {
        try
        {
            return await resource.FromStorageAsync(stored, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 500 && resource.ConvertsRemotely)
        {
            throw ApiException.Internal("Internal error occurred: " + e.Message);
        }
    }

    public async Task<StoredObject> CreateAsync(ApiResource resource, string? ns, JsonObject obj, WriteOptions options, CancellationToken cancellationToken)
    {
        var requestVersion = resource.ApiVersion;
        CheckTypeMeta(resource, obj);
        BindNamespace(resource, ns, ObjectMetaAccess.Metadata(obj));
        CheckFields(resource, obj, options);
        if (!StaysInRequestVersion(resource))
        {
            // Decoded in the request's version; everything after works on the storage version.
            (resource, obj) = (resource.Storage, await ToStorageAsync(resource, obj, cancellationToken).ConfigureAwait(false));
        }

        var meta = ObjectMetaAccess.Metadata(obj);
        if (JsonAccess.AsString(meta["resourceVersion"]) is { Length: > 0 })
        {
            throw ApiException.BadRequest("resourceVersion should not be set on objects to be created");
        }

        // A client may send managedFields on create, as upstream (e.g. an object exported with them).
        var requestManaged = meta["managedFields"]?.DeepClone();
        foreach (var field in ServerOwnedOnCreate)
        {
            meta.Remove(field);
        }

        var generateName = JsonAccess.AsString(meta["generateName"]);
        var wantsGeneratedName = string.IsNullOrEmpty(ObjectMetaAccess.Name(obj)) && !string.IsNullOrEmpty(generateName);
        if (wantsGeneratedName)
        {
            meta["name"] = names.Generate(generateName!);
        }

        if (string.IsNullOrEmpty(ObjectMetaAccess.Name(obj)))
        {
            throw ApiException.Invalid(resource.Group, resource.Kind, "", [FieldError.Required("metadata.name", "name or generateName is required")]);
        }

        PruneEmptyMetadata(meta);
        meta["uid"] = _uids.Next();
        meta["creationTimestamp"] = ObjectMetaAccess.Timestamp(time.GetUtcNow());
        if (HasGeneration(resource))
        {
            meta["generation"] = 1;
        }

        var strategy = ResourceStrategies.For(resource);
        strategy.PrepareForCreate(obj);
        strategy.ApplyDefaults(obj);
        if (options.User is { } user)
        {
            foreach (var hook in _requesterHooks.Where(h => h.AppliesTo(resource)))
            {
                await hook.AdmitCreateAsync(resource, obj, user, cancellationToken).ConfigureAwait(false);
            }
        }

        var mutators = _mutating.Where(h => h.AppliesTo(resource)).ToList();
        foreach (var hook in mutators)
        {
            await hook.MutateCreateAsync(resource, obj, cancellationToken).ConfigureAwait(false);
        }

        var mutatedByWebhooks = await MutateByWebhooksAsync(options, AdmissionOperation.Create, resource, null, obj, null, cancellationToken).ConfigureAwait(false);
        meta = ObjectMetaAccess.Metadata(obj);
        if (mutators.Count > 0 || mutatedByWebhooks)
        {
            // What admission added is prepared like user input (e.g. the pod's QoS class counts
            // requests a LimitRange supplied); both steps are idempotent.
            strategy.PrepareForCreate(obj);
            strategy.ApplyDefaults(obj);
        }

        RecordManagedFields(resource, requestVersion, null, obj, requestManaged, null, options);
        ThrowIfInvalid(resource, obj, [.. strategy.ValidateCreate(obj), .. ManagedFieldsValidation.Validate(obj)]);
        await ValidateAsync(options, AdmissionOperation.Create, resource, null, obj, null, cancellationToken).ConfigureAwait(false);

        var admitted = new List<IAdmissionHook>();
        try
        {
            foreach (var hook in _hooks.Where(h => h.AppliesTo(resource)))
            {
                await hook.AdmitCreateAsync(resource, obj, options.DryRun, cancellationToken).ConfigureAwait(false);
                admitted.Add(hook);
            }

            var stored = await StoredFormAsync(resource, obj, cancellationToken).ConfigureAwait(false);
            if (options.DryRun)
            {
                await ReleaseAllAsync(admitted, resource, obj, null).ConfigureAwait(false);
                return new StoredObject(stored, 0);
            }

            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    return await objects.CreateAsync(resource.Storage, stored, cancellationToken).ConfigureAwait(false);
                }
                catch (ApiException e) when (e.Reason == "AlreadyExists" && wantsGeneratedName && attempt < 7)
                {
                    // A generated name collided: upstream retries with a fresh suffix.
                    meta["name"] = names.Generate(generateName!);
                    ObjectMetaAccess.Metadata(stored)["name"] = meta["name"]!.DeepClone();
                }
            }
        }
        catch
        {
            await ReleaseAllAsync(admitted, resource, obj, null).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Replaces an object. <paramref name="current"/> is what the caller read; the write is
    /// conditional on it. With <paramref name="subresource"/> "status" only the status changes;
    /// with "finalize" (namespaces) only spec.finalizers, which the caller has already set.
    /// </summary>
    public async Task<StoredObject> UpdateAsync(ApiResource resource, JsonObject obj, StoredObject current, string? subresource, WriteOptions options, CancellationToken cancellationToken)
    {
        var requestVersion = resource.ApiVersion;
        CheckTypeMeta(resource, obj);
        // A custom resource's old object is read in the request's version, as its transition rules and status see it.
        var old = StaysInRequestVersion(resource) && !resource.IsStorageVersion
            ? await FromStorageAsync(resource, current.Object, cancellationToken).ConfigureAwait(false)
            : current.Object;
        var name = ObjectMetaAccess.Name(old)!;
        var bodyName = ObjectMetaAccess.Name(obj);
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        ObjectMetaAccess.Metadata(obj)["name"] = name;
        BindNamespace(resource, ObjectMetaAccess.Namespace(old), ObjectMetaAccess.Metadata(obj));
        CheckFields(resource, obj, options);
        if (!StaysInRequestVersion(resource))
        {
            // Decoded in the request's version; everything after works on the storage version.
            (resource, obj) = (resource.Storage, await ToStorageAsync(resource, obj, cancellationToken).ConfigureAwait(false));
        }

        var meta = ObjectMetaAccess.Metadata(obj);

        var requestedVersion = ObjectMetaAccess.ResourceVersion(obj);
        if (!string.IsNullOrEmpty(requestedVersion))
        {
            if (!long.TryParse(requestedVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var rv))
            {
                throw ApiException.BadRequest($"invalid resourceVersion \"{requestedVersion}\": it must be the opaque value the server returned");
            }

            if (rv != current.ModRevision)
            {
                throw ApiException.Conflict(resource.Group, resource.Plural, name, "the object has been modified; please apply your changes to the latest version and try again");
            }
        }

        var uid = ObjectMetaAccess.Uid(obj);
        if (!string.IsNullOrEmpty(uid) && uid != ObjectMetaAccess.Uid(old))
        {
            throw ApiException.Conflict(resource.Group, resource.Plural, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {ObjectMetaAccess.Uid(old)}");
        }

        // Server-owned metadata carries over from the stored object.
        var oldMeta = ObjectMetaAccess.Metadata(old);
        foreach (var field in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
        {
            meta.Remove(field);
            if (oldMeta[field] is { } value)
            {
                meta[field] = value.DeepClone();
            }
        }

        // A write to a subresource cannot set managedFields (upstream takes the live ones).
        var requestManaged = subresource is null || options.ManagedFieldsSet ? meta["managedFields"]?.DeepClone() : null;
        meta.Remove("managedFields");
        meta.Remove("selfLink");
        PruneEmptyMetadata(meta);
        meta["resourceVersion"] = current.ModRevision.ToString(CultureInfo.InvariantCulture);

        var strategy = ResourceStrategies.For(resource);
        var handler = subresource is null ? null : resource.Subresource(subresource)?.Handler;
        switch (handler)
        {
            case SubresourceHandler.Resize:
                PodResize.PrepareForUpdate(obj, old);
                break;
            case SubresourceHandler.Status:
                strategy.PrepareForStatusUpdate(obj, old);
                break;
            case SubresourceHandler.Finalize:
                NamespaceStrategy.PrepareForFinalize(obj, old);
                break;
            default:
                strategy.PrepareForUpdate(obj, old);
                break;
        }

        strategy.ApplyDefaults(obj);
        if (subresource is null && options.User is { } user)
        {
            foreach (var hook in _requesterHooks.Where(h => h.AppliesTo(resource)))
            {
                await hook.AdmitUpdateAsync(resource, obj, old, user, cancellationToken).ConfigureAwait(false);
            }
        }

        if (subresource is null)
        {
            foreach (var hook in _mutating.Where(h => h.AppliesTo(resource)))
            {
                await hook.MutateUpdateAsync(resource, obj, old, cancellationToken).ConfigureAwait(false);
            }
        }

        // Webhooks also see subresource writes (a rule may name pods/status).
        if (await MutateByWebhooksAsync(options, AdmissionOperation.Update, resource, subresource, obj, old, cancellationToken).ConfigureAwait(false))
        {
            meta = ObjectMetaAccess.Metadata(obj);
            strategy.ApplyDefaults(obj);
        }

        RecordManagedFields(resource, requestVersion, old, obj, requestManaged, subresource, options);
        var errors = handler == SubresourceHandler.Resize ? PodResize.Validate(obj, old) : strategy.ValidateUpdate(obj, old);
        ThrowIfInvalid(resource, obj, [.. errors, .. ManagedFieldsValidation.Validate(obj)]);
        // Before the no-op shortcut: a node's unchanged write to another node is refused, as upstream.
        await ValidateAsync(options, AdmissionOperation.Update, resource, subresource, obj, old, cancellationToken).ConfigureAwait(false);

        if (IsNewGeneration(resource, strategy, obj, old))
        {
            meta["generation"] = (JsonAccess.WholeNumber(oldMeta["generation"]) ?? 0) + 1;
        }

        // A stale value (an old encryption key) is rewritten even unchanged, as upstream's
        // GuaranteedUpdate does: that is how re-encryption after a key rotation works.
        var stored = await StoredFormAsync(resource, obj, cancellationToken).ConfigureAwait(false);
        if (JsonNode.DeepEquals(stored, current.Object) && !current.Stale)
        {
            return current;
        }

        var admitted = new List<IAdmissionHook>();
        try
        {
            foreach (var hook in _hooks.Where(h => h.AppliesTo(resource)))
            {
                await hook.AdmitUpdateAsync(resource, obj, old, options.DryRun, cancellationToken).ConfigureAwait(false);
                admitted.Add(hook);
            }

            if (options.DryRun)
            {
                await ReleaseAllAsync(admitted, resource, obj, old).ConfigureAwait(false);
                return new StoredObject(stored, current.ModRevision);
            }

            // The last finalizer of a deleting object is gone: the update completes the delete.
            if (ObjectMetaAccess.IsDeleting(obj) && ObjectMetaAccess.Finalizers(obj).Count == 0 && resource.Definition.Deletion.IsDeleteComplete(obj))
            {
                var deleted = await objects.DeleteAsync(resource.Storage, ObjectMetaAccess.Namespace(obj), name, current.ModRevision, cancellationToken).ConfigureAwait(false);
                foreach (var hook in _hooks.Where(h => h.AppliesTo(resource)))
                {
                    await hook.DeletedAsync(resource.Storage, deleted.Object, CancellationToken.None).ConfigureAwait(false);
                }

                return deleted;
            }

            var written = await objects.UpdateAsync(resource.Storage, stored, current.ModRevision, cancellationToken).ConfigureAwait(false);
            foreach (var hook in admitted)
            {
                await hook.UpdatedAsync(resource, obj, old, CancellationToken.None).ConfigureAwait(false);
            }

            return written;
        }
        catch
        {
            await ReleaseAllAsync(admitted, resource, obj, old).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Records in metadata.managedFields what this write changed, for the request's field manager
    /// (upstream runs its field manager on every create, update and patch). Server-side apply has
    /// set them already: they are restored as the apply left them.
    /// </summary>
    private void RecordManagedFields(ApiResource resource, string requestVersion, JsonObject? old, JsonObject obj, JsonNode? requestManaged, string? subresource, WriteOptions options)
    {
        if (options.ManagedFieldsSet)
        {
            var meta = ObjectMetaAccess.Metadata(obj);
            meta.Remove("managedFields");
            if (requestManaged is JsonArray { Count: > 0 })
            {
                meta["managedFields"] = requestManaged;
            }

            return;
        }

        var request = new FieldManagerRequest(options.FieldManager, requestVersion, options.ManagedSubresource ?? subresource, resource.HasStatus, time.GetUtcNow());
        FieldManager.Update(old, obj, ModelSchemaNode.For(resource.ModelType), request, requestManaged ?? old?["metadata"]?["managedFields"]);
    }

    // Upstream decodes into typed objects whose omitempty maps and lists vanish when emptied
    // (e.g. removing the last label): do the same for metadata's collections.
    private static void PruneEmptyMetadata(JsonObject meta)
    {
        foreach (var field in new[] { "labels", "annotations", "finalizers", "ownerReferences" })
        {
            if (meta[field] is JsonObject { Count: 0 } or JsonArray { Count: 0 } || meta.ContainsKey(field) && meta[field] is null)
            {
                meta.Remove(field);
            }
        }
    }

    private static async Task ReleaseAllAsync(List<IAdmissionHook> admitted, ApiResource resource, JsonObject obj, JsonObject? old)
    {
        foreach (var hook in admitted)
        {
            await hook.AbortAsync(resource, obj, old, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static bool HasSpec(ApiResource resource) =>
        Timonel.Registry.Schema.ModelShape.Of(resource.ModelType).Properties.ContainsKey("spec");

    private static bool HasGeneration(ApiResource resource) =>
        resource.Strategy is IGenerationPolicy policy ? policy.TracksGeneration : HasSpec(resource);

    private static bool IsNewGeneration(ApiResource resource, IResourceStrategy strategy, JsonObject obj, JsonObject old) => strategy is IGenerationPolicy policy
        ? policy.TracksGeneration && policy.IsNewGeneration(obj, old)
        : HasSpec(resource) && !JsonNode.DeepEquals(obj["spec"], old["spec"]);

    private static void CheckTypeMeta(ApiResource resource, JsonObject obj)
    {
        var apiVersion = JsonAccess.AsString(obj["apiVersion"]);
        var kind = JsonAccess.AsString(obj["kind"]);
        if (obj["apiVersion"] is not null && apiVersion is null || obj["kind"] is not null && kind is null)
        {
            throw ApiException.BadRequest("apiVersion and kind must be strings");
        }

        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != resource.ApiVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({resource.ApiVersion})");
        }

        if (!string.IsNullOrEmpty(kind) && kind != resource.Kind)
        {
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({resource.Kind}) for {resource.GroupResource}");
        }

        obj["apiVersion"] = resource.ApiVersion;
        obj["kind"] = resource.Kind;
        if (obj["metadata"] is not null and not JsonObject)
        {
            throw ApiException.BadRequest($"{resource.Kind} in version \"{resource.Version}\" cannot be handled as a {resource.Kind}: metadata must be an object");
        }
    }

    private static void BindNamespace(ApiResource resource, string? ns, JsonObject meta)
    {
        var bodyNs = JsonAccess.AsString(meta["namespace"]);
        if (!resource.Namespaced)
        {
            meta.Remove("namespace");
            return;
        }

        if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        meta["namespace"] = ns;
    }

    private static void CheckFields(ApiResource resource, JsonObject obj, WriteOptions options)
    {
        ModelDecoder.EnsureDecodes(obj, resource.ModelType, resource.Kind, resource.Version);
        if (options.Validation == FieldValidation.Strict)
        {
            var unknown = resource.Strategy is CustomResourceStrategy strict
                ? strict.Schema.Prune((JsonObject)obj.DeepClone())
                : ModelDecoder.UnknownFields(obj, resource.ModelType);
            if (unknown.Count > 0)
            {
                throw ApiException.BadRequest(StrictDecodingError(unknown));
            }

            return;
        }

        // Upstream decodes into the typed object, so unknown fields are never stored; a custom
        // resource's are its schema's to prune.
        var dropped = resource.Strategy is CustomResourceStrategy custom
            ? custom.Schema.Prune(obj)
            : UnknownFieldPruner.Prune(obj, resource.ModelType);
        if (options.Validation == FieldValidation.Warn)
        {
            foreach (var field in dropped)
            {
                options.Warnings.Add($"unknown field \"{field}\"");
            }
        }
    }

    /// <summary>
    /// Upstream's "strict decoding error: unknown field "a", unknown field "b"", naming at most
    /// <see cref="MaxStrictFieldsListed"/> fields so that a body of 20,000 unknown fields does not
    /// come back as a Status of the same size.
    /// </summary>
    private static string StrictDecodingError(IReadOnlyList<string> unknown)
    {
        var list = string.Join(", ", unknown.Take(MaxStrictFieldsListed).Select(f => $"unknown field \"{f}\""));
        var more = unknown.Count > MaxStrictFieldsListed ? $", and {unknown.Count - MaxStrictFieldsListed} more unknown fields" : "";
        return $"strict decoding error: {list}{more}";
    }

    private static void ThrowIfInvalid(ApiResource resource, JsonObject obj, IReadOnlyList<FieldError> errors)
    {
        if (errors.Count > 0)
        {
            throw ApiException.Invalid(resource.Group, resource.Kind, ObjectMetaAccess.Name(obj) ?? "", errors);
        }
    }

    // Mutating admission webhooks, for client requests only (as the validating plugins); what
    // they change replaces the object's content in place, so the caller's references stay good.
    private async Task<bool> MutateByWebhooksAsync(WriteOptions options, AdmissionOperation operation, ApiResource resource, string? subresource, JsonObject obj, JsonObject? old, CancellationToken cancellationToken)
    {
        if (webhooks is null || options.User is not { } user)
        {
            return false;
        }

        var request = new AdmissionRequest(user, operation, resource, subresource ?? "", ObjectMetaAccess.Namespace(obj) ?? "", ObjectMetaAccess.Name(obj) ?? "", obj, old)
        {
            DryRun = options.DryRun,
            Warnings = options.Warnings,
        };
        var mutated = await webhooks.MutateAsync(request, cancellationToken).ConfigureAwait(false);
        if (ReferenceEquals(mutated, obj) || JsonNode.DeepEquals(mutated, obj))
        {
            return false;
        }

        // What the server set (or carried over) stays its own, as upstream fills it after admission.
        var kept = ServerOwnedAfterAdmission.Select(f => (Field: f, Value: ObjectMetaAccess.Metadata(obj)[f]?.DeepClone())).ToList();
        obj.Clear();
        foreach (var (key, value) in mutated)
        {
            obj[key] = value?.DeepClone();
        }

        var meta = ObjectMetaAccess.Metadata(obj);
        foreach (var (field, value) in kept)
        {
            meta.Remove(field);
            if (value is not null)
            {
                meta[field] = value;
            }
        }

        return true;
    }

    // Validating admission that depends on the requesting user; the server's own writes have none.
    private async Task ValidateAsync(WriteOptions options, AdmissionOperation operation, ApiResource resource, string? subresource, JsonObject obj, JsonObject? old, CancellationToken cancellationToken)
    {
        if (options.User is not { } user)
        {
            return;
        }

        var request = new AdmissionRequest(user, operation, resource, subresource ?? "", ObjectMetaAccess.Namespace(obj) ?? "", ObjectMetaAccess.Name(obj) ?? "", obj, old)
        {
            DryRun = options.DryRun,
            Warnings = options.Warnings,
        };
        foreach (var plugin in _validating)
        {
            await plugin.ValidateAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

}

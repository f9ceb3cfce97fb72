using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Patch;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Watch;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Http;

/// <summary>
/// Serves every /api and /apis resource path: finds the resource, maps the HTTP method and
/// path shape to a verb, and answers with the object, a list, a Table, a watch stream or a
/// Status.
/// </summary>
internal sealed class ResourceEndpoint(
    ResourceCatalog catalog,
    ObjectStore objects,
    ObjectWriter writer,
    ObjectDeleter deleter,
    ObjectLister lister,
    WatchStreamer watcher,
    GuaranteedUpdater updater,
    BindingSubresource binding,
    EvictionSubresource eviction,
    TimeProvider time,
    Streaming.PodStreamEndpoint? podStreams = null,
    Watch.Cache.CachedReads? cachedReads = null,
    ComputedCoreEndpoint? computed = null,
    ApplyPatchHandler? apply = null,
    Metrics.MetricsEndpoint? metrics = null,
    Proxy.ProxySubresource? proxies = null)
{
    public async Task HandleAsync(HttpContext context, RequestInfo info)
    {
        var ct = context.RequestAborted;
        var resource = catalog.Find(info.Group, info.Version, info.Resource)
            ?? throw new ApiException(HttpStatusCode.NotFound, "NotFound", $"the server could not find the requested resource: no resource \"{info.Resource}\" in API group version \"{(info.Group.Length == 0 ? info.Version : info.Group + "/" + info.Version)}\"");

        if (resource.DeprecationWarning is { } deprecated)
        {
            // Upstream's CR handler warns on every request to a deprecated version, subresources included.
            new WarningRecorder(context.Response.Headers).Add(deprecated);
        }

        if (info.Namespace is not null && !resource.Namespaced)
        {
            throw new ApiException(HttpStatusCode.NotFound, "NotFound", $"the server could not find the requested resource: {resource.GroupResource} is cluster-scoped and cannot be addressed inside a namespace");
        }

        // Resources that are not stored have their own handlers (reviews are served before this endpoint).
        if (!resource.Definition.IsStored)
        {
            if (computed is not null && await computed.TryServeAsync(context, info, resource).ConfigureAwait(false))
            {
                return;
            }

            if (metrics is not null && await metrics.TryServeAsync(context, info, resource).ConfigureAwait(false))
            {
                return;
            }

            throw ApiException.MethodNotAllowed($"{context.Request.Method} is not supported on {context.Request.Path}");
        }

        // The definition says which subresources exist and how each is served (token has its own endpoint).
        var handler = SubresourceHandler.None;
        if (info.Subresource is { } sub)
        {
            // Only proxy takes a path after its name: "proxy/stats/summary".
            handler = resource.Subresource(Proxy.ProxySubresource.Serves(sub) ? "proxy" : sub)?.Handler ?? SubresourceHandler.None;
            if (handler == SubresourceHandler.Proxy && proxies is not null && info.Name is not null)
            {
                await proxies.HandleAsync(context, resource, info, ct).ConfigureAwait(false);
                return;
            }

            if (handler == SubresourceHandler.NodeStream && podStreams is not null && info is { Name: { } podName, Namespace: { } podNamespace })
            {
                await podStreams.HandleAsync(context, resource, podNamespace, podName, sub, ct).ConfigureAwait(false);
                return;
            }

            if (handler is SubresourceHandler.None or SubresourceHandler.Token or SubresourceHandler.NodeStream or SubresourceHandler.Proxy)
            {
                throw new ApiException(HttpStatusCode.NotFound, "NotFound", $"the server could not find the requested resource: {resource.GroupResource} has no subresource \"{sub}\"");
            }
        }

        if (resource.Namespaced && info.Name is not null && info.Namespace is null)
        {
            throw ApiException.BadRequest($"{resource.GroupResource} \"{info.Name}\" must be addressed inside a namespace: /namespaces/<namespace>/{resource.Plural}/{info.Name}");
        }

        var method = context.Request.Method;
        // Upstream negotiates the answer's media type before doing anything: a 406 writes nothing.
        OutputFormat.From(context);
        if (method == "GET" && info.Name is not null && context.Request.Query["resourceVersion"].ToString() is { Length: > 0 } rv
            && !long.TryParse(rv, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            // As for lists: a get at something that is no revision is a client mistake.
            throw ApiException.BadRequest($"resourceVersion \"{rv}\" is invalid: use a value the server returned, \"0\", or none");
        }

        if (method == "GET" && info.Name is { } cachedName && info.Subresource is null or "status" && cachedReads is not null && !resource.ConvertsRemotely
            && await cachedReads.GetAsync(resource, info.Namespace, cachedName, context.Request.Query["resourceVersion"].ToString() is { Length: > 0 } getRv ? getRv : null, ct).ConfigureAwait(false) is { Served: true } cached)
        {
            // A get at a resourceVersion ("0": any; N: not older than N) is the watch cache's, as
            // upstream; so is one without on a shared datastore once the cache is current (CachedReads).
            var item = cached.Item ?? throw ApiException.NotFound(resource.Group, resource.Plural, cachedName);
            if (OutputFormat.From(context) == OutputKind.Object)
            {
                await ResponseBody.WriteJsonDocumentAsync(context, "application/json", item.ObjectJsonIn(resource)!).ConfigureAwait(false);
            }
            else
            {
                await WriteObjectAsync(context, resource, (JsonObject)item.Object!.DeepClone(), 200).ConfigureAwait(false);
            }

            return;
        }

        if (method == "GET" && info.Name is not null)
        {
            // Upstream's watch cache serves a get at a resourceVersion only once it has reached it.
            await lister.WaitUntilFreshAsync(context.Request.Query["resourceVersion"], ct).ConfigureAwait(false);
        }

        switch (method, info.Name, handler)
        {
            case ("GET", null, _):
                await ListOrWatchAsync(context, resource, info.Namespace, ct).ConfigureAwait(false);
                break;
            case ("POST", null, _):
                await CreateAsync(context, resource, info.Namespace, ct).ConfigureAwait(false);
                break;
            case ("DELETE", null, _):
                await DeleteCollectionAsync(context, resource, info.Namespace, ct).ConfigureAwait(false);
                break;
            case ("GET", { } name, SubresourceHandler.None or SubresourceHandler.Status or SubresourceHandler.Resize) when OutputFormat.From(context) == OutputKind.Object && resource.ServesStoredBytes:
                await ResponseBody.WriteJsonDocumentAsync(context, "application/json", await objects.GetRawAsync(resource, info.Namespace, name, ct).ConfigureAwait(false)
                    ?? throw ApiException.NotFound(resource.Group, resource.Plural, name)).ConfigureAwait(false);
                break;
            case ("GET", { } name, SubresourceHandler.None or SubresourceHandler.Status or SubresourceHandler.Resize):
                await WriteObjectAsync(context, resource, (await objects.GetRequiredAsync(resource, info.Namespace, name, ct).ConfigureAwait(false)).Object, 200).ConfigureAwait(false);
                break;
            case ("GET", { } name, SubresourceHandler.Scale):
                // Read in the request's version: a custom resource version's scale paths are its own.
                await ResponseBody.WriteJsonAsync(context, ScaleSubresource.ToScale(resource, await resource.FromStorageAsync((await objects.GetRequiredAsync(resource, info.Namespace, name, ct).ConfigureAwait(false)).Object, ct).ConfigureAwait(false)), 200).ConfigureAwait(false);
                break;
            case ("PUT", { } name, SubresourceHandler.None or SubresourceHandler.Status or SubresourceHandler.Finalize or SubresourceHandler.Resize):
                await UpdateAsync(context, resource, info.Namespace, name, info.Subresource, ct).ConfigureAwait(false);
                break;
            case ("PUT", { } name, SubresourceHandler.Scale):
                await UpdateScaleAsync(context, resource, info.Namespace, name, null, ct).ConfigureAwait(false);
                break;
            case ("PATCH", { } name, SubresourceHandler.Scale):
                await UpdateScaleAsync(context, resource, info.Namespace, name, PatchType(context), ct).ConfigureAwait(false);
                break;
            case ("PATCH", { } name, SubresourceHandler.None or SubresourceHandler.Status or SubresourceHandler.Resize):
                await PatchAsync(context, resource, info.Namespace, name, info.Subresource, ct).ConfigureAwait(false);
                break;
            case ("DELETE", { } name, SubresourceHandler.None):
                await DeleteAsync(context, resource, info.Namespace, name, ct).ConfigureAwait(false);
                break;
            case ("POST", { } name, SubresourceHandler.Binding):
                await BindAsync(context, resource, info.Namespace!, name, ct).ConfigureAwait(false);
                break;
            case ("POST", { } name, SubresourceHandler.Eviction):
                await EvictAsync(context, resource, info.Namespace!, name, ct).ConfigureAwait(false);
                break;
            default:
                throw ApiException.MethodNotAllowed($"{method} is not supported on {context.Request.Path}");
        }
    }

    private async Task ListOrWatchAsync(HttpContext context, ApiResource resource, string? ns, CancellationToken ct)
    {
        var options = ListOptions.From(resource, context.Request.Query);
        var output = OutputFormat.From(context);
        if (options.Watch)
        {
            await watcher.StreamAsync(context, resource, ns, options, output, ct).ConfigureAwait(false);
            return;
        }

        if (cachedReads is not null && !resource.ConvertsRemotely && await cachedReads.ListAsync(resource, ns, options, ct).ConfigureAwait(false) is { } cached)
        {
            await CachedListWriter.WriteAsync(context, resource, options, output, cached.Items, cached.Revision, time).ConfigureAwait(false);
            return;
        }

        var page = await lister.ListAsync(resource, ns, options, ct).ConfigureAwait(false);
        var listMeta = ObjectLister.ListMeta(page);
        JsonObject body = output switch
        {
            OutputKind.Table => await TableBuilder.TableAsync(resource, page.Items, listMeta, context.Request.Query["includeObject"], time.GetUtcNow(), ct).ConfigureAwait(false),
            OutputKind.PartialObjectMetadata => TableBuilder.PartialMetadataList(page.Items, listMeta),
            _ => new JsonObject
            {
                ["kind"] = resource.ListKind,
                ["apiVersion"] = resource.ApiVersion,
                ["metadata"] = listMeta,
                ["items"] = new JsonArray((await resource.FromStorageAsync(page.Items, ct).ConfigureAwait(false)).Select(i => (JsonNode)i).ToArray()),
            },
        };
        await ResponseBody.WriteJsonAsync(context, body, 200).ConfigureAwait(false);
    }

    private async Task CreateAsync(HttpContext context, ApiResource resource, string? ns, CancellationToken ct)
    {
        if (resource.Definition.Custom is { Terminating: true })
        {
            // Upstream's CR handler: no new objects while the CRD's cleanup deletes the old ones.
            throw ApiException.MethodNotAllowed("create not allowed while custom resource definition is terminating");
        }

        if (resource.Namespaced && ns is null)
        {
            throw ApiException.BadRequest($"{resource.GroupResource} are namespaced: POST them to /namespaces/<namespace>/{resource.Plural}");
        }

        var options = WriteOptionsFrom(context, "CreateOptions");
        var obj = await ReadObjectAsync(context, ct).ConfigureAwait(false);
        if (resource is { Group: CertificateSigningRequests.Group, Plural: CertificateSigningRequests.Plural })
        {
            CertificateSigningRequests.SetRequester(obj, RequestUser.Get(context));
        }

        var created = await writer.CreateAsync(resource, ns, obj, options, ct).ConfigureAwait(false);
        await WriteObjectAsync(context, resource, created.Object, 201).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext context, ApiResource resource, string? ns, string name, string? subresource, CancellationToken ct)
    {
        var options = WriteOptionsFrom(context, "UpdateOptions");
        var obj = await ReadObjectAsync(context, ct).ConfigureAwait(false);
        var current = await objects.GetRequiredAsync(resource, ns, name, ct).ConfigureAwait(false);
        var updated = await writer.UpdateAsync(resource, obj, current, subresource, options, ct).ConfigureAwait(false);
        await WriteObjectAsync(context, resource, updated.Object, 200).ConfigureAwait(false);
    }

    private async Task PatchAsync(HttpContext context, ApiResource resource, string? ns, string name, string? subresource, CancellationToken ct)
    {
        var patchType = PatchType(context);
        if (resource.Definition.Custom is not null && patchType == PatchApplier.StrategicMergePatch)
        {
            // Custom resources have no patch strategies to merge by: upstream refuses the type.
            throw new ApiException(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        }

        var options = WriteOptionsFrom(context, "PatchOptions");
        if (patchType == PatchApplier.ApplyPatchYaml && apply is not null)
        {
            var (written, created) = await apply.ApplyAsync(context, resource, ns, name, subresource, options, ct).ConfigureAwait(false);
            await WriteObjectAsync(context, resource, written.Object, created ? 201 : 200).ConfigureAwait(false);
            return;
        }

        var patch = RequestBody.Parse(await RequestBody.ReadAsync(context, ct).ConfigureAwait(false), patchType, isPatch: true);
        // A concurrent writer's win reapplies the patch to the new state; a patch that pins a
        // resourceVersion then fails on its own precondition.
        var updated = await updater.GuaranteedUpdateAsync(resource, ns, name, async (current, token) => PatchApplier.Apply(patchType, await resource.FromStorageAsync(current.Object, token).ConfigureAwait(false), patch, resource.ModelType), subresource, options, ct).ConfigureAwait(false);
        await WriteObjectAsync(context, resource, updated.Object, 200).ConfigureAwait(false);
    }

    private async Task UpdateScaleAsync(HttpContext context, ApiResource resource, string? ns, string name, string? patchType, CancellationToken ct)
    {
        var options = WriteOptionsFrom(context, patchType is null ? "UpdateOptions" : "PatchOptions") with { ManagedSubresource = "scale" };
        var body = await RequestBody.ReadAsync(context, ct).ConfigureAwait(false);
        var updated = await updater.GuaranteedUpdateAsync(resource, ns, name, async (stored, token) =>
        {
            var current = await resource.FromStorageAsync(stored.Object, token).ConfigureAwait(false);
            JsonObject scale;
            if (patchType is null)
            {
                scale = RequestBody.Parse(body, RequestBody.MediaType(context), isPatch: false) as JsonObject
                    ?? throw ApiException.BadRequest("the body must be a JSON object");
            }
            else
            {
                // The patched Scale carries the current resourceVersion; only one the client wrote pins it.
                scale = PatchApplier.Apply(patchType, ScaleSubresource.ToScale(resource, current), RequestBody.Parse(body, patchType, isPatch: true), typeof(k8s.Models.V1Scale));
            }

            return (JsonObject?)ScaleSubresource.ApplyScale(resource, current, scale);
        }, null, options, ct).ConfigureAwait(false);
        await ResponseBody.WriteJsonAsync(context, ScaleSubresource.ToScale(resource, await resource.FromStorageAsync(updated.Object, ct).ConfigureAwait(false)), 200).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpContext context, ApiResource resource, string? ns, string name, CancellationToken ct)
    {
        var options = await DeleteOptionsFromAsync(context, ct).ConfigureAwait(false);

        var (obj, _) = await deleter.DeleteAsync(resource.Storage, ns, name, options, ct).ConfigureAwait(false);
        await WriteObjectAsync(context, resource, obj.Object, 200).ConfigureAwait(false);
    }

    private async Task DeleteCollectionAsync(HttpContext context, ApiResource resource, string? ns, CancellationToken ct)
    {
        var options = await DeleteOptionsFromAsync(context, ct).ConfigureAwait(false);
        var list = ListOptions.From(resource, context.Request.Query);
        var page = await lister.ListAsync(resource, ns, list with { Limit = 0, Continue = null }, ct).ConfigureAwait(false);
        var results = new JsonArray();
        foreach (var item in page.Items)
        {
            try
            {
                var (obj, _) = await deleter.DeleteAsync(resource.Storage, ObjectMetaAccess.Namespace(item), ObjectMetaAccess.Name(item)!, options, ct).ConfigureAwait(false);
                results.Add(await resource.FromStorageAsync(obj.Object, ct).ConfigureAwait(false));
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Already gone: what the caller wanted.
            }
        }

        await ResponseBody.WriteJsonAsync(context, new JsonObject
        {
            ["kind"] = resource.ListKind,
            ["apiVersion"] = resource.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = page.Revision.ToString(CultureInfo.InvariantCulture) },
            ["items"] = results,
        }, 200).ConfigureAwait(false);
    }

    private async Task BindAsync(HttpContext context, ApiResource resource, string ns, string name, CancellationToken ct)
    {
        await binding.BindAsync(resource, ns, name, await ReadObjectAsync(context, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        await ResponseBody.WriteJsonAsync(context, StatusWriter.Success(), 201).ConfigureAwait(false);
    }

    private async Task EvictAsync(HttpContext context, ApiResource resource, string ns, string name, CancellationToken ct)
    {
        var body = await ReadObjectAsync(context, ct).ConfigureAwait(false);
        var options = DeleteOptions.From(context.Request.Query, body["deleteOptions"] as JsonObject) with { User = RequestUser.Get(context) };
        await eviction.EvictAsync(resource, ns, name, body, options, ct).ConfigureAwait(false);
        await ResponseBody.WriteJsonAsync(context, StatusWriter.Success(), 201).ConfigureAwait(false);
    }

    private static string PatchType(HttpContext context)
    {
        var type = RequestBody.MediaType(context);
        return type switch
        {
            PatchApplier.JsonPatch or PatchApplier.MergePatch or PatchApplier.StrategicMergePatch or PatchApplier.ApplyPatchYaml => type,
            _ => throw ApiException.UnsupportedMediaType(type),
        };
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(context, ct).ConfigureAwait(false);
        return RequestBody.Parse(body, RequestBody.MediaType(context), isPatch: false) as JsonObject
            ?? throw ApiException.BadRequest("the request body must be a JSON object (a Kubernetes resource), not an array or a scalar");
    }

    private static async Task<DeleteOptions> DeleteOptionsFromAsync(HttpContext context, CancellationToken ct)
    {
        JsonObject? body = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            var bytes = await RequestBody.ReadAsync(context, ct).ConfigureAwait(false);
            if (bytes.Length > 0)
            {
                body = RequestBody.Parse(bytes, RequestBody.MediaType(context), isPatch: false) as JsonObject
                    ?? throw ApiException.BadRequest("DeleteOptions must be a JSON object");
            }
        }

        return DeleteOptions.From(context.Request.Query, body) with { User = RequestUser.Get(context) };
    }

    /// <summary>
    /// The write's options from the query. <paramref name="optionsKind"/> names them in errors
    /// as upstream does ("PatchOptions.meta.k8s.io \"\" is invalid: ...").
    /// </summary>
    internal static WriteOptions WriteOptionsFrom(HttpContext context, string optionsKind)
    {
        var fieldManager = context.Request.Query["fieldManager"].ToString();
        var errors = new List<FieldError>();
        if (fieldManager.Length > 0)
        {
            errors.AddRange(ManagedFieldsValidation.ValidateFieldManager(fieldManager, "fieldManager"));
        }

        var isApply = optionsKind == "PatchOptions" && RequestBody.MediaType(context) == PatchApplier.ApplyPatchYaml;
        if (isApply && fieldManager.Length == 0)
        {
            errors.Add(FieldError.Required("fieldManager", "is required for apply patch"));
        }

        if (context.Request.Query.ContainsKey("force") && !isApply)
        {
            errors.Add(FieldError.Forbidden("force", optionsKind == "PatchOptions" ? "may not be specified for non-apply patch" : "may not be specified"));
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid("meta.k8s.io", optionsKind, "", errors);
        }

        var dryRun = context.Request.Query["dryRun"].ToString();
        if (dryRun.Length > 0 && dryRun != "All")
        {
            throw ApiException.BadRequest($"dryRun \"{dryRun}\" is not supported: the only value is All");
        }

        var validation = context.Request.Query["fieldValidation"].ToString() switch
        {
            "" or "Warn" => FieldValidation.Warn,
            "Strict" => FieldValidation.Strict,
            "Ignore" => FieldValidation.Ignore,
            var other => throw ApiException.BadRequest($"fieldValidation \"{other}\" is not supported: use Ignore, Warn or Strict"),
        };
        // Warnings become headers as they are found, before the store write: nothing about
        // them can fail once the object is committed.
        return new WriteOptions(dryRun == "All", validation, new WarningRecorder(context.Response.Headers))
        {
            User = RequestUser.Get(context),
            FieldManager = fieldManager.Length > 0 ? fieldManager : ManagerFromUserAgent(context.Request.Headers.UserAgent.ToString()),
        };
    }

    /// <summary>Upstream's default fieldManager: the User-Agent up to its first "/" ("kubectl"), at most 128 bytes.</summary>
    private static string ManagerFromUserAgent(string userAgent)
    {
        var slash = userAgent.IndexOf('/', StringComparison.Ordinal);
        var product = slash >= 0 ? userAgent[..slash] : userAgent;
        while (System.Text.Encoding.UTF8.GetByteCount(product) > ManagedFieldsValidation.MaxFieldManagerLength)
        {
            product = product[..^1];
        }

        return product;
    }

    /// <summary>Writes a stored object as the request's version reads it (tables are built from the stored form, as upstream's from the internal one).</summary>
    private async Task WriteObjectAsync(HttpContext context, ApiResource resource, JsonObject obj, int code)
    {
        var output = OutputFormat.From(context);
        var ct = context.RequestAborted;
        JsonObject body = output switch
        {
            OutputKind.Table => await TableBuilder.TableAsync(resource, [obj], new JsonObject { ["resourceVersion"] = ObjectMetaAccess.ResourceVersion(obj) }, context.Request.Query["includeObject"], time.GetUtcNow(), ct).ConfigureAwait(false),
            OutputKind.PartialObjectMetadata => TableBuilder.PartialMetadata(obj),
            _ => await resource.FromStorageAsync(obj, ct).ConfigureAwait(false),
        };
        await ResponseBody.WriteJsonAsync(context, body, code).ConfigureAwait(false);
    }
}

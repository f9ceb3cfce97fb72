using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.FieldManagement;
using Timonel.Api.Serialization;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Http;

/// <summary>
/// Server-side apply (PATCH with application/apply-patch+yaml): merges the applied configuration
/// into the live object with field ownership, or creates the object when it is absent, then
/// writes through the usual update or create path (strategy, validation, admission, dry-run).
/// </summary>
internal sealed class ApplyPatchHandler(ObjectStore objects, ObjectWriter writer, GuaranteedUpdater updater, TimeProvider time)
{
    /// <summary>Returns the written object and whether the apply created it (201).</summary>
    public async Task<(StoredObject Written, bool Created)> ApplyAsync(HttpContext context, ApiResource resource, string? ns, string name, string? subresource, WriteOptions options, CancellationToken ct)
    {
        var config = ParseConfig(await RequestBody.ReadAsync(context, ct).ConfigureAwait(false));
        CheckConfig(resource, config, name);
        var force = QueryBool.Parse(context.Request.Query["force"]);
        var schema = ModelSchemaNode.For(resource.ModelType);
        var request = new FieldManagerRequest(options.FieldManager, resource.ApiVersion, subresource, resource.HasStatus, time.GetUtcNow());
        options = options with { ManagedFieldsSet = true };

        if (subresource is null && await objects.GetAsync(resource.Storage, ns, name, ct).ConfigureAwait(false) is null)
        {
            try
            {
                var created = Apply(resource, ns, name, null, config, schema, request, force);
                return (await writer.CreateAsync(resource, ns, created, options, ct).ConfigureAwait(false), true);
            }
            catch (ApiException e) when (e.Reason == "AlreadyExists")
            {
                // Someone created it meanwhile: apply to theirs, as upstream's retried patch does.
            }
        }

        var updated = await updater.GuaranteedUpdateAsync(
            resource,
            ns,
            name,
            async (current, token) => Apply(resource, ns, name, await resource.FromStorageAsync(current.Object, token).ConfigureAwait(false), config, schema, request, force),
            subresource,
            options,
            ct).ConfigureAwait(false);
        return (updated, false);
    }

    private static JsonObject Apply(ApiResource resource, string? ns, string name, JsonObject? live, JsonObject config, SchemaNode schema, FieldManagerRequest request, bool force)
    {
        try
        {
            return FieldManager.Apply(live, config, schema, request, force);
        }
        catch (ApplyConflictException conflict)
        {
            var causes = conflict.Conflicts.Select(c => new StatusCause("FieldManagerConflict", "conflict with " + c.OwnerText, c.PathText)).ToList();
            throw new ApiException(HttpStatusCode.Conflict, "Conflict", conflict.Message, new StatusDetails(null, null, null, causes));
        }
        catch (FieldPathException bad)
        {
            var gvk = (resource.Group.Length == 0 ? "" : resource.Group) + "/" + resource.Version + ", Kind=" + resource.Kind;
            throw ApiException.BadRequest($"failed to create typed patch object ({(ns is null ? "" : ns + "/")}{name}; {gvk}): {bad.Message}");
        }
    }

    private static JsonObject ParseConfig(byte[] body)
    {
        if (body.Length == 0)
        {
            throw ApiException.BadRequest("the request body is empty: send the applied configuration as YAML or JSON");
        }

        var trimmed = System.Text.Encoding.UTF8.GetString(body).TrimStart();
        var node = trimmed.StartsWith('{') ? JsonBody.Parse(body) : YamlToJson.Convert(body);
        return node as JsonObject
            ?? throw ApiException.BadRequest("the applied configuration must be an object (apiVersion, kind, metadata and the fields to own)");
    }

    /// <summary>Upstream's checks on an applied object: its type, no managedFields, the name on the URL.</summary>
    private static void CheckConfig(ApiResource resource, JsonObject config, string name)
    {
        var apiVersion = config["apiVersion"] is JsonValue av && av.TryGetValue<string>(out var a) ? a : "";
        var kind = config["kind"] is JsonValue kv && kv.TryGetValue<string>(out var k) ? k : "";
        if (kind.Length == 0)
        {
            throw ApiException.BadRequest("Object 'Kind' is missing in the applied configuration: apply needs apiVersion and kind");
        }

        if (apiVersion != resource.ApiVersion || kind != resource.Kind)
        {
            var slash = apiVersion.LastIndexOf('/');
            var gv = slash >= 0 ? apiVersion : "/" + apiVersion;
            throw ApiException.BadRequest($"invalid object type: {gv}, Kind={kind}");
        }

        if (config["metadata"] is not null and not JsonObject)
        {
            throw ApiException.BadRequest("metadata must be an object");
        }

        if (config["metadata"] is not JsonObject meta)
        {
            meta = new JsonObject();
            config["metadata"] = meta;
        }

        if (meta["managedFields"] is not null)
        {
            throw ApiException.BadRequest("metadata.managedFields must be nil");
        }

        var bodyName = meta["name"] is JsonValue nv && nv.TryGetValue<string>(out var n) ? n : "";
        if (bodyName.Length > 0 && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        meta["name"] = name;
    }
}

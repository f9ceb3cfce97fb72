using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Http;

/// <summary>
/// The core/v1 resources answered without storage of their own: bindings (create-only; binds
/// the pod named in the Binding, as pods/NAME/binding does) and componentstatuses (get and
/// list only, computed at each read, with upstream's deprecation warning).
/// </summary>
internal sealed class ComputedCoreEndpoint(ResourceCatalog catalog, BindingSubresource binding, ComponentStatuses components, TimeProvider time)
{
    private readonly ApiResource _pods = catalog.Find("", "v1", "pods")!;

    /// <summary>Serves <paramref name="resource"/> (already found, scope checked) when it is one of these; false otherwise.</summary>
    public async Task<bool> TryServeAsync(HttpContext context, RequestInfo info, ApiResource resource)
    {
        switch (resource.Definition.Handler)
        {
            case ResourceHandler.Binding:
                await BindAsync(context, info, resource).ConfigureAwait(false);
                return true;
            case ResourceHandler.ComponentStatus:
                await ServeComponentStatusAsync(context, info, resource).ConfigureAwait(false);
                return true;
            default:
                return false;
        }
    }

    private async Task BindAsync(HttpContext context, RequestInfo info, ApiResource resource)
    {
        if (info.Name is not null || info.Namespace is null)
        {
            throw new ApiException(HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource: bindings are only created, by POST to /api/v1/namespaces/<namespace>/bindings");
        }

        if (context.Request.Method != "POST")
        {
            throw ApiException.MethodNotAllowed($"{context.Request.Method} is not supported on {context.Request.Path}: bindings are only created (POST), never stored");
        }

        var ct = context.RequestAborted;
        var body = RequestBody.Parse(await RequestBody.ReadAsync(context, ct).ConfigureAwait(false), RequestBody.MediaType(context), isPatch: false) as JsonObject
            ?? throw ApiException.BadRequest("the request body must be a JSON object (a Binding), not an array or a scalar");
        TypeMeta.Check(body, resource);
        if (ObjectMetaAccess.Namespace(body) is { Length: > 0 } ns && ns != info.Namespace)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        // The Binding names the pod; without a target it is 422 (BindingSubresource), without a name 400, as upstream.
        var name = ObjectMetaAccess.Name(body) ?? "";
        if (name.Length == 0 && JsonAccess.AsString(body["target"]?["name"]) is { Length: > 0 })
        {
            throw ApiException.BadRequest("Name parameter required.");
        }

        await binding.BindAsync(_pods, info.Namespace, name, body, ct).ConfigureAwait(false);
        await ResponseBody.WriteJsonAsync(context, StatusWriter.Success(), 201).ConfigureAwait(false);
    }

    private async Task ServeComponentStatusAsync(HttpContext context, RequestInfo info, ApiResource resource)
    {
        new WarningRecorder(context.Response.Headers).Add(ComponentStatuses.DeprecationWarning);
        if (info.Subresource is { } sub)
        {
            throw new ApiException(HttpStatusCode.NotFound, "NotFound", $"the server could not find the requested resource: componentstatuses has no subresource \"{sub}\"");
        }

        if (context.Request.Method is not ("GET" or "HEAD"))
        {
            throw ApiException.MethodNotAllowed($"{context.Request.Method} is not supported on {context.Request.Path}: componentstatuses are only read (get, list)");
        }

        if (info.Name is null && QueryBool.Parse(context.Request.Query["watch"]))
        {
            throw ApiException.MethodNotAllowed("watch is not supported on resources of kind \"componentstatuses\"");
        }

        var ct = context.RequestAborted;
        var output = OutputFormat.From(context);
        var now = time.GetUtcNow();
        if (info.Name is { } name)
        {
            var item = await components.GetAsync(name, ct).ConfigureAwait(false) ?? throw ApiException.NotFound("", "componentstatuses", name);
            await ResponseBody.WriteJsonAsync(context, output switch
            {
                OutputKind.Table => TableBuilder.Table(resource, [item], new JsonObject(), context.Request.Query["includeObject"], now),
                OutputKind.PartialObjectMetadata => TableBuilder.PartialMetadata(item),
                _ => item,
            }, 200).ConfigureAwait(false);
            return;
        }

        var items = await components.ListAsync(ct).ConfigureAwait(false);
        await ResponseBody.WriteJsonAsync(context, output switch
        {
            OutputKind.Table => TableBuilder.Table(resource, items, new JsonObject(), context.Request.Query["includeObject"], now),
            OutputKind.PartialObjectMetadata => TableBuilder.PartialMetadataList(items, new JsonObject()),
            _ => new JsonObject
            {
                ["kind"] = "ComponentStatusList",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject(),
                ["items"] = new JsonArray([.. items.Select(i => (JsonNode?)i)]),
            },
        }, 200).ConfigureAwait(false);
    }
}

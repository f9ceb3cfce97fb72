using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Registry.Discovery;
using Timonel.Registry.OpenApi;

namespace Timonel.ApiServer.Http;

/// <summary>
/// Serves discovery (/api, /apis, /api/v1, /apis/{g}, /apis/{g}/{v}) and OpenAPI
/// (/openapi/v2, /openapi/v3, /openapi/v3/{gv}). Content types are written exactly as the
/// documents give them: kubectl compares some of them as plain strings.
/// </summary>
internal sealed class DiscoveryEndpoint(DiscoveryDocuments discovery, OpenApiDocuments openApi)
{
    public async Task<bool> TryServeAsync(HttpContext context, string path)
    {
        var accept = context.Request.Headers.Accept.ToString();
        path = path.TrimEnd('/');
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts is ["api" or "apis", ..] && DiscoveryNegotiation.Choose(accept) == DiscoveryFormat.Legacy && !DiscoveryNegotiation.AcceptsLegacy(accept))
        {
            throw new ApiException(System.Net.HttpStatusCode.NotAcceptable, "NotAcceptable", OutputFormat.NotAcceptableMessage);
        }

        switch (parts)
        {
            case ["api"]:
                await WriteDiscoveryAsync(context, discovery.ForApi(accept, $"{context.Request.Host.Host}:{context.Connection.LocalPort}")).ConfigureAwait(false);
                return true;
            case ["apis"]:
                await WriteDiscoveryAsync(context, discovery.ForApis(accept)).ConfigureAwait(false);
                return true;
            case ["api", var version]:
                return await WriteOrNotFoundAsync(context, discovery.ResourceListJson("", version)).ConfigureAwait(false);
            case ["apis", var group]:
                return await WriteOrNotFoundAsync(context, discovery.GroupJson(group)).ConfigureAwait(false);
            case ["apis", var group, var version]:
                return await WriteOrNotFoundAsync(context, discovery.ResourceListJson(group, version)).ConfigureAwait(false);
            case ["openapi", "v2"]:
                var v2 = openApi.V2For(accept)
                    ?? throw new ApiException(System.Net.HttpStatusCode.NotAcceptable, "NotAcceptable", "/openapi/v2 is served as application/json or protobuf");
                await ResponseBody.WriteAsync(context, v2.ContentType, v2.Body).ConfigureAwait(false);
                return true;
            case ["openapi", "v3"]:
                await ResponseBody.WriteAsync(context, "application/json", openApi.V3IndexJson).ConfigureAwait(false);
                return true;
            case ["openapi", "v3", ..]:
                var key = string.Join('/', parts[2..]);
                if (!openApi.V3.TryGetValue(key, out var doc))
                {
                    return false;
                }

                // A URL carrying the current hash names immutable content, as upstream marks it.
                if (context.Request.Query["hash"].ToString() is { Length: > 0 } hash && hash == openApi.V3Hash(key))
                {
                    context.Response.Headers.CacheControl = "public, immutable";
                }

                await ResponseBody.WriteAsync(context, "application/json", doc).ConfigureAwait(false);
                return true;
            default:
                return false;
        }
    }

    // Aggregated documents carry an ETag, as upstream's: a client holding the current one gets 304.
    private static Task WriteDiscoveryAsync(HttpContext context, DiscoveryResponse response)
    {
        if (response.ETag is { } etag)
        {
            context.Response.Headers.ETag = etag;
            context.Response.Headers.Vary = "Accept";
            if (context.Request.Headers.IfNoneMatch.Any(v => v == etag))
            {
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                return Task.CompletedTask;
            }
        }

        return ResponseBody.WriteJsonDocumentAsync(context, response.ContentType, response.Body);
    }

    private static async Task<bool> WriteOrNotFoundAsync(HttpContext context, byte[]? body)
    {
        if (body is null)
        {
            return false;
        }

        await ResponseBody.WriteJsonDocumentAsync(context, "application/json", body).ConfigureAwait(false);
        return true;
    }
}

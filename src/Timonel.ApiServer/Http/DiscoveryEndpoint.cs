using Microsoft.AspNetCore.Http;
using Timonel.Api.Discovery;
using Timonel.Api.OpenApi;

namespace Timonel.ApiServer.Http;

/// <summary>Serves /api, /apis, group-version resource lists and the OpenAPI documents.</summary>
internal sealed class DiscoveryEndpoint(DiscoveryDocuments discovery, OpenApiDocuments openApi)
{
    public async Task<bool> TryServeAsync(HttpContext context, string path)
    {
        var accept = context.Request.Headers.Accept.ToString();
        if (discovery.Find(path, accept) is { } doc)
        {
            await WriteAsync(context, doc.ContentType, doc.Body).ConfigureAwait(false);
            return true;
        }

        if (path == "/openapi/v2")
        {
            if (accept.Contains("protobuf", StringComparison.Ordinal))
            {
                await WriteAsync(context, OpenApiV2Protobuf.ContentType, openApi.V2Protobuf).ConfigureAwait(false);
            }
            else
            {
                await WriteAsync(context, "application/json", openApi.V2Json).ConfigureAwait(false);
            }

            return true;
        }

        if (path.TrimEnd('/') == "/openapi/v3")
        {
            await WriteAsync(context, "application/json", openApi.V3Index).ConfigureAwait(false);
            return true;
        }

        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal) && openApi.V3.TryGetValue(path["/openapi/v3/".Length..].TrimEnd('/'), out var v3))
        {
            await WriteAsync(context, "application/json", v3).ConfigureAwait(false);
            return true;
        }

        return false;
    }

    private static async Task WriteAsync(HttpContext context, string contentType, byte[] body)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}

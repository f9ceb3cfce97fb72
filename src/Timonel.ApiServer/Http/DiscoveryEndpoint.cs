using Microsoft.AspNetCore.Http;
using Timonel.Api.OpenApi;
using Timonel.Api.Resources;

namespace Timonel.ApiServer.Http;

/// <summary>Serves /api, /apis, group-version resource lists and the OpenAPI documents.</summary>
internal sealed class DiscoveryEndpoint(ResourceCatalog catalog, OpenApiDocuments openApi)
{
    public async Task<bool> TryServeAsync(HttpContext context, string path)
    {
        _ = catalog;
        if (path == "/openapi/v2")
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(openApi.V2Json, context.RequestAborted).ConfigureAwait(false);
            return true;
        }

        return false;
    }
}

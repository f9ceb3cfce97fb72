using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Serialization;
using Timonel.ApiServer.Aggregation;
using Timonel.Registry.Discovery;
using Timonel.Registry.OpenApi;

namespace Timonel.ApiServer.Http;

/// <summary>
/// Serves discovery (/api, /apis, /api/v1, /apis/{g}, /apis/{g}/{v}) and OpenAPI
/// (/openapi/v2, /openapi/v3, /openapi/v3/{gv}). Content types are written exactly as the
/// documents give them: kubectl compares some of them as plain strings.
/// </summary>
internal sealed class DiscoveryEndpoint(DiscoveryDocuments discovery, OpenApiDocuments openApi, AggregatedDiscovery? aggregated = null)
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
                await WriteDiscoveryAsync(context, WithAggregated(discovery.ForApis(accept))).ConfigureAwait(false);
                return true;
            case ["api", var version]:
                return await WriteOrNotFoundAsync(context, discovery.ResourceListJson("", version)).ConfigureAwait(false);
            case ["apis", var group]:
                return await WriteOrNotFoundAsync(context, GroupWithAggregated(group)).ConfigureAwait(false);
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

    /// <summary>/apis with the aggregated group/versions merged in (the built document untouched when there are none).</summary>
    private DiscoveryResponse WithAggregated(DiscoveryResponse response)
    {
        if (aggregated?.Current is not { IsEmpty: false } snapshot)
        {
            return response;
        }

        var document = JsonNode.Parse(response.Body)!.AsObject();
        if (response.ETag is null)
        {
            AggregatedDiscovery.MergeGroupList(document, snapshot);
            return response with { Body = Serialize(document) };
        }

        AggregatedDiscovery.MergeAggregated(document, snapshot);
        var body = Serialize(document);
        return response with { Body = body, ETag = $"\"{Convert.ToHexString(SHA512.HashData(body))}\"" };
    }

    private byte[]? GroupWithAggregated(string group)
    {
        var local = discovery.GroupJson(group);
        if (aggregated?.Current is not { IsEmpty: false } snapshot)
        {
            return local;
        }

        var merged = AggregatedDiscovery.GroupDocument(group, local is null ? null : JsonNode.Parse(local)!.AsObject(), snapshot);
        return merged is null ? local : Serialize(merged);
    }

    private static byte[] Serialize(JsonObject document) => JsonSerializer.SerializeToUtf8Bytes(document, GoJsonEncoder.SerializerOptions);

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

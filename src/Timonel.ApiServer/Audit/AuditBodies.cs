using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Serialization;
using Timonel.ApiServer.Http;

namespace Timonel.ApiServer.Audit;

/// <summary>The request and response bodies as an audit event carries them: JSON objects, managedFields dropped on request.</summary>
internal static class AuditBodies
{
    /// <summary>The request body the handler read (buffered for the audit), decoded as the handler decodes it; null when there was none or it did not parse.</summary>
    public static async Task<JsonNode?> RequestObjectAsync(HttpContext context, string verb, bool omitManagedFields)
    {
        var body = context.Request.Body;
        if (!body.CanSeek || body.Length == 0 || body.Length > RequestBody.MaxBytes)
        {
            return null;
        }

        body.Position = 0;
        var bytes = new byte[body.Length];
        await body.ReadExactlyAsync(bytes).ConfigureAwait(false);
        JsonNode? node;
        try
        {
            var mediaType = RequestBody.MediaType(context);
            node = mediaType == "application/apply-patch+yaml"
                ? YamlToJson.Convert(bytes)
                : RequestBody.Parse(bytes, mediaType, isPatch: verb == "patch");
        }
        catch (Exception e) when (e is ApiException or JsonException or FormatException)
        {
            return null;
        }

        return omitManagedFields ? WithoutManagedFields(node) : node;
    }

    /// <summary>A captured JSON response as an object; null for any other content.</summary>
    public static JsonNode? ResponseObject(HttpContext context, byte[]? captured, bool omitManagedFields)
    {
        if (captured is not { Length: > 0 } || context.Response.Headers.ContentEncoding.Count > 0
            || !(context.Response.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var node = JsonNode.Parse(captured);
            return omitManagedFields ? WithoutManagedFields(node) : node;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Drops metadata.managedFields from an object and from a list's items (upstream's omitManagedFields).</summary>
    public static JsonNode? WithoutManagedFields(JsonNode? node)
    {
        if (node is JsonObject obj)
        {
            (obj["metadata"] as JsonObject)?.Remove("managedFields");
            if (obj["items"] is JsonArray items)
            {
                foreach (var item in items)
                {
                    ((item as JsonObject)?["metadata"] as JsonObject)?.Remove("managedFields");
                }
            }
        }

        return node;
    }
}

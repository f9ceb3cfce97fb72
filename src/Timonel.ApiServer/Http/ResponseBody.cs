using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Timonel.ApiServer.Http;

/// <summary>Writes a whole (non-streaming) response: status code, content type, length, bytes.</summary>
internal static class ResponseBody
{
    public static async Task WriteAsync(HttpContext context, string contentType, byte[] body, int code = 200)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    public static Task WriteJsonAsync(HttpContext context, JsonNode body, int code) =>
        WriteAsync(context, "application/json", JsonSerializer.SerializeToUtf8Bytes(body), code);
}

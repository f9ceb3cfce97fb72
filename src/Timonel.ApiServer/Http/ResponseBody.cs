using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Serialization;

namespace Timonel.ApiServer.Http;

/// <summary>Writes a whole (non-streaming) response: status code, content type, length, bytes.</summary>
internal static class ResponseBody
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    public static async Task WriteAsync(HttpContext context, string contentType, byte[] body, int code = 200)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes one JSON document followed by a newline, as kube-apiserver's encoder (Go's
    /// json.Encoder.Encode) ends every object, list and Status it writes.
    /// </summary>
    public static async Task WriteJsonDocumentAsync(HttpContext context, string contentType, byte[] json, int code = 200)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = json.Length + NewLine.Length;
        // One flush for the document and its newline: each Body.WriteAsync flushes on its own
        // (an extra DATA frame per response, measured at several µs per GET).
        var writer = context.Response.BodyWriter;
        writer.Write(json);
        writer.Write(NewLine);
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    public static Task WriteJsonAsync(HttpContext context, JsonNode body, int code) =>
        WriteJsonDocumentAsync(context, "application/json", JsonSerializer.SerializeToUtf8Bytes(body, GoJsonEncoder.SerializerOptions), code);
}

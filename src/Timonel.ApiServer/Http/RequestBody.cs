using System.Buffers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Serialization;
using Timonel.Registry.Protobuf;

namespace Timonel.ApiServer.Http;

/// <summary>Reads and parses request bodies: size limit (413), content type (415), syntax (400).</summary>
internal static class RequestBody
{
    /// <summary>Upstream's limit on a request body (3 MiB).</summary>
    public const long MaxBytes = 3 * 1024 * 1024;

    // The field table is immutable once loaded; loading it waits for the first protobuf request.
    private static readonly Lazy<ProtobufDecoder> Protobuf = new(() => new ProtobufDecoder(ProtoSchema.Load()));

    public static string MediaType(HttpContext context)
    {
        var ct = context.Request.ContentType ?? "";
        var semi = ct.IndexOf(';', StringComparison.Ordinal);
        return (semi >= 0 ? ct[..semi] : ct).Trim().ToLowerInvariant();
    }

    /// <summary>
    /// Reads the whole body, refusing more than <see cref="MaxBytes"/> (413) whether it was
    /// announced by Content-Length or only found while reading a chunked body. Kestrel's own
    /// failures (bad chunking, a body cut short, too slow) surface as BadHttpRequestException,
    /// which the request pipeline answers with Kestrel's code.
    /// </summary>
    public static async Task<byte[]> ReadAsync(HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadLimitedAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel's limit is one byte above ours (so that ours is the one that speaks); either
            // way the client hears upstream's message with the real limit.
            throw ApiException.TooLarge(MaxBytes);
        }
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (context.Request.ContentLength > MaxBytes)
        {
            throw ApiException.TooLarge(MaxBytes);
        }

        var body = context.Request.Body;
        if (context.Request.ContentLength is { } length)
        {
            // The usual case: read straight into an array of the announced size (Kestrel ends the
            // body at Content-Length and fails the read if the client sends less).
            var exact = new byte[length];
            var filled = 0;
            int n;
            while (filled < exact.Length && (n = await body.ReadAsync(exact.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
            {
                filled += n;
            }

            return filled == exact.Length ? exact : exact[..filled];
        }

        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxBytes)
                {
                    throw ApiException.TooLarge(MaxBytes);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    /// <summary>Parses a JSON or YAML body into a node; anything else is 415.</summary>
    public static JsonNode Parse(byte[] body, string mediaType, bool isPatch)
    {
        if (body.Length == 0)
        {
            throw ApiException.BadRequest("the request body is empty: send the object as JSON or YAML");
        }

        if (mediaType == "application/vnd.kubernetes.protobuf" && !isPatch)
        {
            return Protobuf.Value.Decode(body);
        }

        byte[]? json = mediaType switch
        {
            "application/json" or "" when !isPatch => body,
            "application/yaml" or "application/x-yaml" or "text/yaml" when !isPatch => null,
            "application/json-patch+json" or "application/merge-patch+json" or "application/strategic-merge-patch+json" when isPatch => body,
            _ => throw ApiException.UnsupportedMediaType(mediaType),
        };

        if (json is null)
        {
            return YamlToJson.Convert(body)
                ?? throw ApiException.BadRequest("the request body is empty: send the object as JSON or YAML");
        }

        return JsonBody.Parse(json);
    }
}

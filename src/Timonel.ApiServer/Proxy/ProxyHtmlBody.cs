using System.IO.Compression;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// An HTML answer from a proxied backend, its links rewritten (<see cref="ProxyHtmlRewriter"/>)
/// as upstream's proxy transport does: plain or gzip-encoded pages, read whole first (upstream
/// reads them whole too) up to <see cref="MaxBytes"/>; a larger page, or one in another
/// encoding, is streamed on unchanged.
/// </summary>
internal static class ProxyHtmlBody
{
    /// <summary>The largest (encoded) page rewritten; past it the page streams as it is.</summary>
    public const int MaxBytes = 8 * 1024 * 1024;

    public static bool Applies(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var encodings = response.Content.Headers.ContentEncoding;
        return string.Equals(response.Content.Headers.ContentType?.MediaType, "text/html", StringComparison.OrdinalIgnoreCase)
            && (encodings.Count == 0 || (encodings.Count == 1 && encodings.First().Equals("gzip", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>Writes the page; false when it was too large to rewrite and <paramref name="rest"/> must be streamed after what was written.</summary>
    public static async Task<bool> WriteAsync(HttpContext context, HttpResponseMessage response, Stream body, Func<string, string> rewriteUrl, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(body);
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBytes)
            {
                await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ct).ConfigureAwait(false);
                return false;
            }
        }

        var gzip = response.Content.Headers.ContentEncoding.Count == 1;
        var page = Encoding.UTF8.GetString(gzip ? Gunzip(buffer) : buffer.ToArray());
        var rewritten = Encoding.UTF8.GetBytes(ProxyHtmlRewriter.Rewrite(page, rewriteUrl));
        var bytes = gzip ? Gzip(rewritten) : rewritten;
        context.Response.Headers.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, ct).ConfigureAwait(false);
        return true;
    }

    private static byte[] Gunzip(MemoryStream compressed)
    {
        compressed.Position = 0;
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        return plain.ToArray();
    }

    private static byte[] Gzip(byte[] plain)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            gzip.Write(plain);
        }

        return compressed.ToArray();
    }
}

using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.ApiServer.Streaming;

namespace Timonel.ApiServer.Metrics;

/// <summary>
/// Fetches and parses one node's /metrics/resource through the <see cref="KubeletConnector"/>
/// (so simulated nodes are refused before any connection and every dial passes its filter).
/// A scrape that fails for any reason (no address, refused, timeout, a non-200 answer, a body too
/// large or malformed) is logged and yields null: one bad node never stops the others.
/// </summary>
internal sealed partial class KubeletMetricsScraper(HttpMessageInvoker kubelets, TimeSpan timeout, ILogger log)
{
    /// <summary>The largest /metrics/resource body read (a kubelet with 110 pods serves a few tens of KiB).</summary>
    public const int MaxBodyBytes = 16 * 1024 * 1024;

    public async Task<ResourceMetricsScrape?> ScrapeAsync(string nodeName, JsonObject node, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Uri url;
        try
        {
            url = new Uri(KubeletConnector.KubeletUrl(node), "metrics/resource");
        }
        catch (ApiException e)
        {
            Log.Failed(log, nodeName, e.Message);
            return null;
        }

        // The timeout bounds real network I/O, so it runs on the wall clock, not the server's
        // (possibly fake) one.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("text/plain");
            using var response = await kubelets.SendAsync(request, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Log.Failed(log, nodeName, $"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                return null;
            }

            var body = await ReadLimitedAsync(response.Content, deadline.Token).ConfigureAwait(false);
            if (body is null)
            {
                Log.Failed(log, nodeName, $"{url} answered more than {MaxBodyBytes} bytes");
                return null;
            }

            return ResourceMetricsParser.Parse(body, now);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.Failed(log, nodeName, $"{url} did not answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or FormatException or DecoderFallbackException)
        {
            Log.Failed(log, nodeName, $"{url}: {e.Message}");
        }

        return null;
    }

    private static async Task<string?> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "metrics: cannot scrape node {Node}: {Reason}")]
        public static partial void Failed(ILogger logger, string node, string reason);
    }
}

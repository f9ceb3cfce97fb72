using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Timonel.Api.Errors;
using Timonel.ApiServer.Http;
using Timonel.Streaming;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// Sends a proxy request on to its backend and streams the answer back, as upstream's
/// UpgradeAwareHandler with its proxy transport: the method, the headers but the hop-by-hop ones
/// and the caller's credentials (upstream's authentication filter removes Authorization,
/// impersonation removes Impersonate-*), X-Forwarded-Uri; the body streamed and capped as the
/// server's others (413); the answer's status, headers (Location rewritten to stay behind the
/// proxy, CORS headers removed) and body streamed as it comes, never buffered whole (but for an
/// HTML page, whose links are rewritten: <see cref="ProxyHtmlBody"/>). An upgrade
/// (WebSocket, SPDY) is relayed both ways once the backend switches protocols. A backend that
/// cannot be reached is a 503 "error trying to reach service: ...", as upstream's.
/// </summary>
internal static class ProxyForwarder
{
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Host",
        "Authorization", "Proxy-Authorization", "Content-Length",
    };

    private static readonly HashSet<string> NotReturned = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Trailer", "Upgrade",
        "Access-Control-Allow-Credentials", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods", "Access-Control-Allow-Origin",
    };

    /// <param name="prefix">The request's path up to and including "/proxy" (for X-Forwarded-Uri and Location rewriting).</param>
    /// <param name="subpath">The proxied path after the prefix, as the client sent it.</param>
    public static async Task ForwardAsync(HttpContext context, ProxyLocation location, Uri target, string prefix, string subpath, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(target);
        if (context.Request.ContentLength > RequestBody.MaxBytes)
        {
            throw ApiException.TooLarge(RequestBody.MaxBytes);
        }

        try
        {
            if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } && context.Request.Headers.Upgrade.Count > 0)
            {
                await UpgradeRelay.RelayAsync(context, location.Invoker, target, ct).ConfigureAwait(false);
                return;
            }

            await SendAsync(context, location, target, prefix, subpath, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (!context.Response.HasStarted)
        {
            throw Unwrap(e) ?? ApiException.ServiceUnavailable($"error trying to reach service: {Describe(e)} ({location.Describe} at {target.Authority})");
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested && !context.Response.HasStarted)
        {
            throw Unwrap(e) ?? ApiException.ServiceUnavailable($"error trying to reach service: timed out reaching {location.Describe} at {target.Authority}");
        }
    }

    private static async Task SendAsync(HttpContext context, ProxyLocation location, Uri target, string prefix, string subpath, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), target)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        // Kestrel knows whether a request has a body whatever the protocol (HTTP/2 has no chunking).
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0)
        {
            request.Content = new StreamContent(new CappedRequestBody(context.Request.Body, RequestBody.MaxBytes));
            if (context.Request.ContentLength is { } length)
            {
                request.Content.Headers.ContentLength = length;
            }
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (NotForwarded.Contains(name) || name.StartsWith("Impersonate-", StringComparison.OrdinalIgnoreCase) || name.Equals("X-Forwarded-Uri", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        request.Headers.TryAddWithoutValidation("X-Forwarded-Uri", prefix + subpath);

        using var response = await location.Invoker.SendAsync(request, ct).ConfigureAwait(false);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!NotReturned.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        if (response.Headers.Location is not null && response.Headers.TryGetValues("Location", out var raw))
        {
            context.Response.Headers.Location = ProxyLocationRewriter.Rewrite(raw.First(), target.Authority, context.Request.Host.Value ?? "", prefix);
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new byte[32 * 1024];
        int read;
        try
        {
            if (ProxyHtmlBody.Applies(response))
            {
                var backend = target.Authority;
                var host = context.Request.Host.Value ?? "";
                if (await ProxyHtmlBody.WriteAsync(context, response, body, url => ProxyLocationRewriter.Rewrite(url, backend, host, prefix), ct).ConfigureAwait(false))
                {
                    return;
                }
            }

            await context.Response.StartAsync(ct).ConfigureAwait(false);
            while ((read = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                // Streams (logs, watches, events) reach the client as they come, as upstream flushes.
                await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException)
        {
            // The backend went away mid-answer: the headers are out, so the client sees the body cut short.
            context.Abort();
        }
    }

    /// <summary>A 413 (or other Status) raised while the body was read through to the backend.</summary>
    private static ApiException? Unwrap(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is ApiException api)
            {
                return api;
            }

            if (inner is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                return ApiException.TooLarge(RequestBody.MaxBytes);
            }
        }

        return null;
    }

    private static string Describe(HttpRequestException e) =>
        e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message} {inner.Message}" : e.Message;
}

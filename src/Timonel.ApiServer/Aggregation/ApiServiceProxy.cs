using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Timonel.ApiServer.Http;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Security;
using Yarp.ReverseProxy.Forwarder;

namespace Timonel.ApiServer.Aggregation;

/// <summary>
/// Forwards requests under /apis/GROUP/VERSION to the extension API server an APIService names,
/// as upstream's aggregator proxy handler: after this server has authenticated and authorized
/// the request (the backend authorizes again), the request goes to a resolved endpoint of the
/// Service with the user in X-Remote-* headers and the front-proxy certificate. Responses
/// stream; upgrades (exec, watch over websockets) pass through. An APIService that is not
/// Available, or whose Service leads nowhere, answers 503 "service unavailable" as upstream's
/// (plain text, not a Status).
/// </summary>
internal sealed partial class ApiServiceProxy(
    WatchedObjects apiServices,
    ServiceEndpointResolver resolver,
    BackendTransport transport,
    IHttpForwarder forwarder,
    ILogger<ApiServiceProxy> logger)
{
    // Watches run long; upstream bounds them by the request's timeout, not by silence.
    private static readonly ForwarderRequestConfig RequestConfig = new()
    {
        ActivityTimeout = TimeSpan.FromHours(1),
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    /// <summary>Proxies the request when its path belongs to a non-local APIService; false when it is served here.</summary>
    public async Task<bool> TryProxyAsync(HttpContext context, string path, UserInfo user)
    {
        var parts = path.Split('/', 5, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || parts[0] != "apis")
        {
            return false;
        }

        var apiService = await apiServices.GetAsync(null, $"{parts[2]}.{parts[1]}", context.RequestAborted).ConfigureAwait(false);
        if (apiService is null || ApiServiceRoute.From(apiService) is not { Service: { } service } route)
        {
            return false;
        }

        if (!route.Available)
        {
            await WriteUnavailableAsync(context, "service unavailable").ConfigureAwait(false);
            return true;
        }

        (string Host, int Port) target;
        try
        {
            target = await resolver.ResolveAsync(service, context.RequestAborted).ConfigureAwait(false);
        }
        catch (EndpointResolutionException e)
        {
            Log.ResolveFailed(logger, service.Namespace, service.Name, e.Message);
            await WriteUnavailableAsync(context, "service unavailable").ConfigureAwait(false);
            return true;
        }

        var error = await forwarder.SendAsync(context, BackendTransport.DestinationPrefix(service), transport.For(route), RequestConfig, new Transformer(user, target)).ConfigureAwait(false);
        if (error != ForwarderError.None)
        {
            var exception = context.GetForwarderErrorFeature()?.Exception;
            Log.ForwardFailed(logger, route.Name, error, exception?.Message ?? "");
            if (!context.Response.HasStarted)
            {
                await WriteUnavailableAsync(context, $"error trying to reach service: {Innermost(exception)}").ConfigureAwait(false);
            }
        }

        return true;
    }

    private static string Innermost(Exception? e)
    {
        while (e?.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e?.Message ?? "the backend did not answer";
    }

    /// <summary>Upstream writes these with Go's http.Error: plain text, a newline, nosniff.</summary>
    private static async Task WriteUnavailableAsync(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        await context.Response.WriteAsync(message + "\n", context.RequestAborted).ConfigureAwait(false);
    }

    private sealed class Transformer(UserInfo user, (string Host, int Port) target) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
            ProxyHeaders.Apply(proxyRequest.Headers, user);
            BackendTransport.Target(proxyRequest, target);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "aggregator: cannot resolve service/{Name} in \"{Namespace}\": {Reason}")]
        public static partial void ResolveFailed(ILogger logger, string @namespace, string name, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "aggregator: proxying to APIService {ApiService} failed ({Error}): {Reason}")]
        public static partial void ForwardFailed(ILogger logger, string apiService, ForwarderError error, string reason);
    }
}

using Microsoft.AspNetCore.Http;
using Timonel.Ingress.Gateway.Routing;
using Timonel.Ingress.Proxy;
using Yarp.ReverseProxy.Forwarder;

namespace Timonel.Ingress.Gateway.Proxy;

/// <summary>
/// Serves one request an HTTPRoute rule took: its filters (header modifiers, redirect, rewrite),
/// a backend picked by weight, and the forward through the proxy's own forwarder. Answers of its
/// own, as upstream says: 500 for a rule whose picked backend is invalid (or that has none), 503
/// for a Service without ready endpoints.
/// </summary>
internal static class GatewayForwarding
{
    /// <summary>Serves the request; returns the upstream it went to ("-" when answered here).</summary>
    public static async Task<string> HandleAsync(HttpContext context, GatewayRule rule, Random random, IHttpForwarder forwarder, HttpMessageInvoker backends, ForwarderRequestConfig config, HttpTransformer transformer)
    {
        var request = context.Request;
        var filters = rule.Filters;
        if (filters.ResponseHeaders is { } responseHeaders)
        {
            context.Response.OnStarting(() =>
            {
                RouteFilters.Apply(responseHeaders, context.Response.Headers);
                return Task.CompletedTask;
            });
        }

        if (rule.Problem is { } problem)
        {
            await IngressProxy.AnswerAsync(context, StatusCodes.Status500InternalServerError, problem).ConfigureAwait(false);
            return "-";
        }

        var path = request.Path.HasValue ? request.Path.Value! : "/";
        var prefix = rule.Match.PathKind == GatewayPathKind.Prefix ? rule.Match.TrimmedPrefix : "";
        if (filters.Redirect is { } redirect)
        {
            context.Response.StatusCode = redirect.StatusCode ?? StatusCodes.Status302Found;
            context.Response.Headers.Location = RouteFilters.RedirectLocation(redirect, request.Scheme, Timonel.Ingress.Routing.RouteTable.NormalizeHost(request.Host.Value ?? ""), path, request.QueryString.Value ?? "", rule.ListenerPort, prefix);
            return "-";
        }

        if (rule.Backends.Pick(random.Next(Math.Max(1, rule.Backends.TotalWeight))) is not { } picked)
        {
            await IngressProxy.AnswerAsync(context, StatusCodes.Status500InternalServerError, $"route {rule.Route} rule {rule.RuleIndex} has no backend with a weight").ConfigureAwait(false);
            return "-";
        }

        if (picked.Invalid)
        {
            await IngressProxy.AnswerAsync(context, StatusCodes.Status500InternalServerError, picked.Backend.Problem ?? $"backend {picked.Backend.Service} is invalid").ConfigureAwait(false);
            return "-";
        }

        if (picked.Backend.Pick() is not { } endPoint)
        {
            await IngressProxy.AnswerAsync(context, StatusCodes.Status503ServiceUnavailable, picked.Backend.Problem ?? $"service {picked.Backend.Service} has no ready endpoints").ConfigureAwait(false);
            return "-";
        }

        if (filters.RequestHeaders is { } requestHeaders)
        {
            RouteFilters.Apply(requestHeaders, request.Headers);
        }

        if (filters.Rewrite is { } rewrite)
        {
            if (!string.IsNullOrEmpty(rewrite.Hostname))
            {
                request.Host = new HostString(rewrite.Hostname);
            }

            request.Path = RouteFilters.ModifyPath(rewrite.Path, path, prefix);
        }

        var upstream = endPoint.ToString();
        await forwarder.SendAsync(context, $"http://{upstream}", backends, config, transformer).ConfigureAwait(false);
        return upstream;
    }
}

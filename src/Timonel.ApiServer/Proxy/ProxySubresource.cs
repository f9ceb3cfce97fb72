using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Timonel.Api.Errors;
using Timonel.ApiServer.Http;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// The proxy subresources, nodes/{name}/proxy[/path], pods/{name}/proxy[/path] and
/// services/{name}/proxy[/path], as kube-apiserver's connect handlers serve them: any of GET,
/// POST, PUT, PATCH, DELETE, HEAD and OPTIONS (authorized before this as get, create, update,
/// patch, delete on the subresource "proxy"), forwarded with the path after "proxy" and the
/// query to the backend the name resolves to. An empty path of a GET or HEAD is redirected to
/// ".../proxy/" (upstream's fix for relative links), other requests go on with "/".
/// </summary>
internal sealed class ProxySubresource(NodeProxyResolver nodes, PodProxyResolver pods, ServiceProxyResolver services)
{
    private static readonly HashSet<string> Methods = new(StringComparer.Ordinal) { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS" };

    /// <summary>True for a subresource path this handler serves ("proxy" or "proxy/...").</summary>
    public static bool Serves(string subresource) =>
        subresource == "proxy" || subresource.StartsWith("proxy/", StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext context, ApiResource resource, RequestInfo info, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(info);
        var method = context.Request.Method;
        if (!Methods.Contains(method))
        {
            throw ApiException.MethodNotAllowed($"{method} is not supported on {resource.Plural}/proxy");
        }

        var name = info.Name!;
        var location = resource.Plural switch
        {
            "nodes" => await nodes.ResolveAsync(resource, name, ct).ConfigureAwait(false),
            "pods" when info.Namespace is { } ns => await pods.ResolveAsync(resource, ns, name, ct).ConfigureAwait(false),
            "services" when info.Namespace is { } ns => await services.ResolveAsync(resource, ns, name, ct).ConfigureAwait(false),
            _ => throw ApiException.NotFound("", resource.Plural, name),
        };

        var (prefix, subpath) = SplitPath(context, info);
        var query = context.Request.QueryString.Value ?? "";
        var upgrade = context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } && context.Request.Headers.Upgrade.Count > 0;
        if (subpath.Length == 0 && !upgrade && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)))
        {
            context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
            context.Response.Headers.Location = prefix + "/" + query;
            return;
        }

        var target = new Uri($"{location.Scheme}://{location.Authority}{(subpath.Length == 0 ? "/" : subpath)}{query}");
        await ProxyForwarder.ForwardAsync(context, location, target, prefix, subpath, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The request path (as sent, still percent-encoded) split after its "proxy" segment:
    /// "/api/v1/nodes/n/proxy" and "/stats/summary".
    /// </summary>
    private static (string Prefix, string Subpath) SplitPath(HttpContext context, RequestInfo info)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        var queryStart = raw.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart >= 0 ? raw[..queryStart] : raw;
        if (!path.StartsWith('/'))
        {
            path = context.Request.PathBase + context.Request.Path.ToUriComponent();
        }

        // "", api, v1, [namespaces, ns,] resource, name, proxy
        var proxyIndex = info.Namespace is null ? 5 : 7;
        var segments = path.Split('/');
        if (segments.Length <= proxyIndex || segments[proxyIndex] != "proxy")
        {
            throw ApiException.BadRequest($"cannot read the proxied path of {path}");
        }

        var prefix = string.Join('/', segments[..(proxyIndex + 1)]);
        return (prefix, path[prefix.Length..]);
    }
}

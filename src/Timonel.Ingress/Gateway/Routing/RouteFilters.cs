using Microsoft.AspNetCore.Http;
using Timonel.Ingress.Gateway.Model;

namespace Timonel.Ingress.Gateway.Routing;

/// <summary>
/// The filters of one HTTPRoute rule that Timonel serves: RequestHeaderModifier,
/// ResponseHeaderModifier, RequestRedirect and URLRewrite. Other types (RequestMirror,
/// ExtensionRef, CORS, ...) make <see cref="Compile"/> throw, and the route is not accepted.
/// </summary>
public sealed class RouteFilters
{
    public static readonly RouteFilters None = new(null, null, null, null);

    private RouteFilters(V1HeaderModifier? request, V1HeaderModifier? response, V1RequestRedirect? redirect, V1UrlRewrite? rewrite)
    {
        RequestHeaders = request;
        ResponseHeaders = response;
        Redirect = redirect;
        Rewrite = rewrite;
    }

    public V1HeaderModifier? RequestHeaders { get; }

    public V1HeaderModifier? ResponseHeaders { get; }

    public V1RequestRedirect? Redirect { get; }

    public V1UrlRewrite? Rewrite { get; }

    /// <exception cref="ArgumentException">A filter type Timonel does not serve, or one without its settings.</exception>
    public static RouteFilters Compile(IList<V1HttpRouteFilter>? filters)
    {
        V1HeaderModifier? request = null, response = null;
        V1RequestRedirect? redirect = null;
        V1UrlRewrite? rewrite = null;
        foreach (var filter in filters ?? [])
        {
            switch (filter.Type)
            {
                case "RequestHeaderModifier":
                    request = filter.RequestHeaderModifier ?? throw new ArgumentException("filter RequestHeaderModifier has no requestHeaderModifier");
                    break;
                case "ResponseHeaderModifier":
                    response = filter.ResponseHeaderModifier ?? throw new ArgumentException("filter ResponseHeaderModifier has no responseHeaderModifier");
                    break;
                case "RequestRedirect":
                    redirect = filter.RequestRedirect ?? throw new ArgumentException("filter RequestRedirect has no requestRedirect");
                    break;
                case "URLRewrite":
                    rewrite = filter.UrlRewrite ?? throw new ArgumentException("filter URLRewrite has no urlRewrite");
                    break;
                default:
                    throw new ArgumentException($"filter type {filter.Type} is not supported by Timonel (RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect and URLRewrite are)");
            }
        }

        if (redirect is not null && rewrite is not null)
        {
            throw new ArgumentException("RequestRedirect and URLRewrite cannot be used together");
        }

        return request is null && response is null && redirect is null && rewrite is null ? None : new RouteFilters(request, response, redirect, rewrite);
    }

    /// <summary>Set, then add, then remove, on the request's headers before it is forwarded.</summary>
    public static void Apply(V1HeaderModifier modifier, IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(modifier);
        ArgumentNullException.ThrowIfNull(headers);
        foreach (var header in modifier.Set ?? [])
        {
            headers[header.Name] = header.Value;
        }

        foreach (var header in modifier.Add ?? [])
        {
            headers.Append(header.Name, header.Value);
        }

        foreach (var name in modifier.Remove ?? [])
        {
            headers.Remove(name);
        }
    }

    /// <summary>
    /// A path modifier applied to <paramref name="path"/>: ReplaceFullPath, or ReplacePrefixMatch,
    /// which swaps the matched prefix (<paramref name="matchedPrefix"/>, without its trailing '/')
    /// for the replacement: prefix /foo, replacement /bar: /foo/x → /bar/x; replacement /: /foo/x → /x.
    /// </summary>
    public static string ModifyPath(V1PathModifier? modifier, string path, string matchedPrefix)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(matchedPrefix);
        switch (modifier?.Type)
        {
            case "ReplaceFullPath":
                return string.IsNullOrEmpty(modifier.ReplaceFullPath) ? "/" : modifier.ReplaceFullPath;
            case "ReplacePrefixMatch" when path.StartsWith(matchedPrefix, StringComparison.Ordinal):
                var rest = path[matchedPrefix.Length..];
                var replaced = (modifier.ReplacePrefixMatch ?? "/").TrimEnd('/') + rest;
                return replaced.Length == 0 ? "/" : replaced.StartsWith('/') ? replaced : "/" + replaced;
            default:
                return path;
        }
    }

    /// <summary>
    /// The Location of a RequestRedirect: scheme, host and path as the filter says, else as the
    /// request had them; the port the filter names, else the scheme's well-known one when the
    /// filter names a scheme, else the listener's; a well-known port is left out (upstream's rules).
    /// </summary>
    public static string RedirectLocation(V1RequestRedirect redirect, string scheme, string host, string path, string query, int listenerPort, string matchedPrefix)
    {
        ArgumentNullException.ThrowIfNull(redirect);
        var toScheme = string.IsNullOrEmpty(redirect.Scheme) ? scheme : redirect.Scheme.ToLowerInvariant();
        var toHost = string.IsNullOrEmpty(redirect.Hostname) ? host : redirect.Hostname;
        var port = redirect.Port ?? (string.IsNullOrEmpty(redirect.Scheme) ? listenerPort : WellKnownPort(toScheme) ?? listenerPort);
        var portText = port == WellKnownPort(toScheme) || port <= 0 ? "" : $":{port}";
        var toPath = ModifyPath(redirect.Path, path, matchedPrefix);
        return $"{toScheme}://{toHost}{portText}{toPath}{query}";
    }

    private static int? WellKnownPort(string scheme) => scheme switch
    {
        "http" => 80,
        "https" => 443,
        _ => null,
    };
}

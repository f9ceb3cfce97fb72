namespace Timonel.ApiServer.Proxy;

/// <summary>
/// Rewrites a backend's Location header so that a redirect stays behind the proxy, as upstream's
/// proxy transport does: an absolute path, or a URL naming the backend (or the API server's
/// own host), gets the proxy prefix ("/api/v1/namespaces/ns/services/web/proxy") in front of its
/// path; the backend's scheme and host are dropped (the client resolves the rest against the
/// API server). Relative paths, other hosts and paths already under the prefix are kept.
/// </summary>
internal static class ProxyLocationRewriter
{
    public static string Rewrite(string location, string backendAuthority, string requestHost, string prefix)
    {
        ArgumentNullException.ThrowIfNull(location);
        string host;
        string rest;
        string scheme = "";
        var schemeEnd = location.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0 && location[..schemeEnd].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
        {
            scheme = location[..(schemeEnd + 3)];
            var afterScheme = location[(schemeEnd + 3)..];
            var pathStart = afterScheme.IndexOfAny(['/', '?', '#']);
            host = pathStart < 0 ? afterScheme : afterScheme[..pathStart];
            rest = pathStart < 0 ? "" : afterScheme[pathStart..];
        }
        else if (location.StartsWith("//", StringComparison.Ordinal))
        {
            // Scheme-relative: a host all the same.
            var pathStart = location.IndexOfAny(['/', '?', '#'], 2);
            host = pathStart < 0 ? location[2..] : location[2..pathStart];
            rest = pathStart < 0 ? "" : location[pathStart..];
        }
        else
        {
            host = "";
            rest = location;
        }

        var differentHost = host.Length > 0 && !host.Equals(backendAuthority, StringComparison.OrdinalIgnoreCase) && !host.Equals(requestHost, StringComparison.OrdinalIgnoreCase);
        if (differentHost || !rest.StartsWith('/'))
        {
            return location;
        }

        // A URL naming the API server itself keeps its scheme and host; the backend's are dropped.
        var keep = host.Length > 0 && host.Equals(requestHost, StringComparison.OrdinalIgnoreCase) ? scheme + host : "";
        if (rest.StartsWith(prefix, StringComparison.Ordinal))
        {
            return keep + rest;
        }

        return keep + prefix.TrimEnd('/') + rest;
    }
}

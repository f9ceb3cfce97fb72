namespace Timonel.Ingress.Gateway.Routing;

/// <summary>
/// Gateway API hostname rules (they differ from Ingress's): a wildcard "*.example.com" covers one
/// or more labels ("a.example.com", "a.b.example.com", never "example.com"); a listener and a
/// route attach where their hostnames intersect, and the more specific of the two is served.
/// "" stands for any host (a listener or route that names none).
/// </summary>
public static class GatewayHostnames
{
    /// <summary>The hostnames a route serves on a listener: empty when they do not intersect.</summary>
    public static IReadOnlyList<string> Intersect(string? listenerHostname, IEnumerable<string>? routeHostnames)
    {
        var listener = Normalize(listenerHostname);
        var routes = (routeHostnames ?? []).Select(Normalize).Where(h => h.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (routes.Count == 0)
        {
            return [listener];
        }

        if (listener.Length == 0)
        {
            return routes;
        }

        var result = new List<string>();
        foreach (var route in routes)
        {
            if (IntersectOne(listener, route) is { } both && !result.Contains(both))
            {
                result.Add(both);
            }
        }

        return result;
    }

    /// <summary>True when <paramref name="pattern"/> ("" any, exact, or wildcard) takes <paramref name="host"/>.</summary>
    public static bool Matches(string pattern, string host)
    {
        if (pattern.Length == 0)
        {
            return true;
        }

        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            // "*.example.com" → the request host ends in ".example.com" with at least one label before it.
            return host.Length > pattern.Length - 1 && host.EndsWith(pattern.AsSpan(1), StringComparison.Ordinal);
        }

        return string.Equals(pattern, host, StringComparison.Ordinal);
    }

    /// <summary>Lower case without a trailing dot.</summary>
    public static string Normalize(string? hostname) => (hostname ?? "").TrimEnd('.').ToLowerInvariant();

    private static string? IntersectOne(string a, string b)
    {
        if (a == b)
        {
            return a;
        }

        if (a.StartsWith("*.", StringComparison.Ordinal) && Covers(a, b))
        {
            return b;
        }

        if (b.StartsWith("*.", StringComparison.Ordinal) && Covers(b, a))
        {
            return a;
        }

        return null;
    }

    /// <summary>True when wildcard <paramref name="wildcard"/> covers <paramref name="other"/> (a host, or a narrower wildcard).</summary>
    private static bool Covers(string wildcard, string other)
    {
        var suffix = wildcard[1..];
        var rest = other.StartsWith("*.", StringComparison.Ordinal) ? other[1..] : other;
        return rest.Length > suffix.Length && rest.EndsWith(suffix, StringComparison.Ordinal);
    }
}

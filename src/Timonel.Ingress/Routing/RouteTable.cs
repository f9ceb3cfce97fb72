namespace Timonel.Ingress.Routing;

/// <summary>
/// Every route of the Ingresses this controller serves, immutable: the proxy swaps whole tables
/// on change, so a request sees one consistent version. Hosts match as upstream: an exact host
/// before a wildcard (whose '*' stands for exactly one label), then the rules without a host,
/// then the cluster's default backend.
/// </summary>
public sealed class RouteTable
{
    // Hosts longer than this are normalized into a heap buffer instead of the stack (DNS names stop at 253).
    private const int StackHostLength = 256;

    private readonly Dictionary<string, HostRoutes> _hosts;

    // Looks hosts up by span: the normalized Host header of a request is never made into a string.
    private readonly Dictionary<string, HostRoutes>.AlternateLookup<ReadOnlySpan<char>> _hostsBySpan;

    public RouteTable(IEnumerable<HostRoutes> hosts, Backend? defaultBackend)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        _hosts = hosts.ToDictionary(h => h.Host, StringComparer.Ordinal);
        _hostsBySpan = _hosts.GetAlternateLookup<ReadOnlySpan<char>>();
        DefaultBackend = defaultBackend;
    }

    public static RouteTable Empty { get; } = new([], null);

    /// <summary>The HTTPRoute rules of this controller's Gateways, tried before the Ingress rules.</summary>
    public Gateway.Routing.GatewayRouteTable Gateway { get; init; } = Timonel.Ingress.Gateway.Routing.GatewayRouteTable.Empty;

    /// <summary>This table's Ingress routes with <paramref name="gateway"/>'s HTTPRoute rules.</summary>
    public RouteTable WithGateway(Gateway.Routing.GatewayRouteTable gateway) => new(_hosts.Values, DefaultBackend) { Gateway = gateway };

    /// <summary>The spec.defaultBackend of the oldest Ingress that has one, for requests no rule takes.</summary>
    public Backend? DefaultBackend { get; }

    public IEnumerable<HostRoutes> Hosts => _hosts.Values;

    /// <summary>The routes of the host a request names (exact, then wildcard), or null when only the host-less rules apply.</summary>
    public HostRoutes? FindHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        Span<char> buffer = host.Length <= StackHostLength ? stackalloc char[host.Length] : new char[host.Length];
        var name = Normalize(host, buffer);
        if (name.IsEmpty)
        {
            return null;
        }

        if (_hostsBySpan.TryGetValue(name, out var exact))
        {
            return exact;
        }

        // "*.rest": the label before the first dot becomes '*' in place, so the wildcard key is a slice of the same buffer.
        var dot = name.IndexOf('.');
        if (dot <= 0)
        {
            return null;
        }

        name[dot - 1] = '*';
        return _hostsBySpan.TryGetValue(name[(dot - 1)..], out var wildcard) ? wildcard : null;
    }

    /// <summary>Routes a request by its Host (port allowed) and path; <paramref name="secure"/> says whether it came over TLS.</summary>
    public RouteMatch Match(string host, string path, bool secure)
    {
        if (string.IsNullOrEmpty(path))
        {
            path = "/";
        }

        if (FindHost(host) is { } named)
        {
            if (named.RedirectToHttps && !secure)
            {
                return new RouteMatch(null, null, RedirectToHttps: true);
            }

            if (named.Match(path) is { } rule)
            {
                return new RouteMatch(rule.Backend, rule.Ingress, false);
            }

            if (named.Fallback is not null)
            {
                return new RouteMatch(named.Fallback, null, false);
            }

            return RouteMatch.None;
        }

        if (_hosts.TryGetValue("", out var any) && any.Match(path) is { } anyRule)
        {
            return new RouteMatch(anyRule.Backend, anyRule.Ingress, false);
        }

        return DefaultBackend is null ? RouteMatch.None : new RouteMatch(DefaultBackend, null, false);
    }

    /// <summary>Lower case, without the port and a trailing dot; IPv6 literals keep their brackets off.</summary>
    public static string NormalizeHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        Span<char> buffer = host.Length <= StackHostLength ? stackalloc char[host.Length] : new char[host.Length];
        return new string(Normalize(host, buffer));
    }

    /// <summary><see cref="NormalizeHost"/> into <paramref name="buffer"/> (at least as long as the host); returns the used part.</summary>
    private static Span<char> Normalize(ReadOnlySpan<char> host, Span<char> buffer)
    {
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']');
            if (end > 0)
            {
                host = host[1..end];
            }
        }
        else
        {
            var colon = host.LastIndexOf(':');
            if (colon >= 0)
            {
                host = host[..colon];
            }

            host = host.TrimEnd('.');
        }

        return buffer[..host.ToLowerInvariant(buffer)];
    }
}

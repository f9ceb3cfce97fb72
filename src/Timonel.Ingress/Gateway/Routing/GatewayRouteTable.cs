using Microsoft.AspNetCore.Http;
using Timonel.Ingress.Routing;

namespace Timonel.Ingress.Gateway.Routing;

/// <summary>
/// The HTTPRoute rules attached to this controller's Gateways, immutable (swapped whole with the
/// Ingress table), by port (plain HTTP listeners, HTTPS listeners) and served hostname. A request
/// is tried against its exact host, then the wildcards that cover it from the most specific, then
/// the rules for any host; within one hostname the rules are in upstream's precedence order. A
/// request no rule takes goes on to the Ingress rules.
/// </summary>
public sealed class GatewayRouteTable
{
    private readonly Dictionary<string, GatewayRule[]> _http;
    private readonly Dictionary<string, GatewayRule[]> _https;

    private GatewayRouteTable(Dictionary<string, GatewayRule[]> http, Dictionary<string, GatewayRule[]> https)
    {
        _http = http;
        _https = https;
    }

    public static GatewayRouteTable Empty { get; } = new([], []);

    public bool IsEmpty => _http.Count == 0 && _https.Count == 0;

    /// <summary>The served hostnames ("" for any) of the HTTP or HTTPS listeners.</summary>
    public IEnumerable<string> Hostnames(bool secure) => (secure ? _https : _http).Keys;

    /// <summary>Builds a table from rules as served on (secure or not, hostname).</summary>
    public static GatewayRouteTable Create(IEnumerable<(bool Secure, string Hostname, GatewayRule Rule)> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var list = rules.ToList();
        Dictionary<string, GatewayRule[]> Of(bool secure) => list
            .Where(r => r.Secure == secure)
            .GroupBy(r => r.Hostname, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => GatewayRule.Order(g.Select(r => r.Rule)).ToArray(), StringComparer.Ordinal);
        return list.Count == 0 ? Empty : new GatewayRouteTable(Of(false), Of(true));
    }

    /// <summary>The first rule, in precedence order, that takes <paramref name="request"/>; null when none does.</summary>
    public GatewayRule? Match(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var hosts = request.IsHttps ? _https : _http;
        if (hosts.Count == 0)
        {
            return null;
        }

        var host = RouteTable.NormalizeHost(request.Host.Host);
        if (host.Length > 0 && hosts.TryGetValue(host, out var exact) && First(exact, request) is { } e)
        {
            return e;
        }

        // Wildcards from the most specific: a.b.example.com tries *.b.example.com, then *.example.com, *.com.
        for (var dot = host.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = host.IndexOf('.', dot + 1))
        {
            if (hosts.TryGetValue(string.Concat("*", host.AsSpan(dot)), out var wildcard) && First(wildcard, request) is { } w)
            {
                return w;
            }
        }

        return hosts.TryGetValue("", out var any) ? First(any, request) : null;
    }

    private static GatewayRule? First(GatewayRule[] rules, HttpRequest request)
    {
        foreach (var rule in rules)
        {
            if (rule.Match.Matches(request))
            {
                return rule;
            }
        }

        return null;
    }
}

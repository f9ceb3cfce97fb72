using k8s.Models;

namespace Timonel.Ingress.Routing;

/// <summary>What one build produced: the table, and per Ingress ("ns/name") what is wrong with its backends.</summary>
public sealed record RouteBuild(RouteTable Table, IReadOnlyDictionary<string, IReadOnlyList<string>> Problems);

/// <summary>
/// Builds the route table from the Ingresses this controller serves: a pure function of the
/// Ingresses and the cluster view. A broken backend (missing Service, port) makes only its own
/// rules answer 503 and is reported as a problem of its Ingress; the other rules are unaffected.
/// </summary>
public static class RouteTableBuilder
{
    public static RouteBuild Build(IEnumerable<V1Ingress> ingresses, IClusterView cluster)
    {
        ArgumentNullException.ThrowIfNull(ingresses);
        ArgumentNullException.ThrowIfNull(cluster);
        var resolver = new BackendResolver(cluster);
        var hosts = new Dictionary<string, HostBuilder>(StringComparer.Ordinal);
        var tlsHosts = new HashSet<string>(StringComparer.Ordinal);
        var problems = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        Backend? defaultBackend = null;

        // Oldest first: where two Ingresses claim the same host and path, the older one wins (ingress-nginx).
        foreach (var ingress in ingresses.OrderBy(i => i.Metadata?.CreationTimestamp ?? DateTime.MaxValue).ThenBy(Key, StringComparer.Ordinal))
        {
            var key = Key(ingress);
            var ns = ingress.Metadata?.NamespaceProperty ?? "default";
            var own = new List<string>();
            Backend Resolve(V1IngressBackend b)
            {
                var resolved = resolver.Resolve(ns, b);
                if (resolved.IsMisconfigured && resolved.Problem is { } p && !own.Contains(p))
                {
                    own.Add(p);
                }

                return resolved;
            }

            Backend? ingressDefault = ingress.Spec?.DefaultBackend is { } db ? Resolve(db) : null;
            defaultBackend ??= ingressDefault;
            foreach (var tls in ingress.Spec?.Tls ?? [])
            {
                foreach (var host in tls.Hosts ?? [])
                {
                    tlsHosts.Add(host.ToLowerInvariant());
                }
            }

            foreach (var rule in ingress.Spec?.Rules ?? [])
            {
                var host = (rule.Host ?? "").ToLowerInvariant();
                if (!hosts.TryGetValue(host, out var builder))
                {
                    builder = new HostBuilder();
                    hosts.Add(host, builder);
                }

                builder.Fallback ??= ingressDefault;
                foreach (var path in rule.Http?.Paths ?? [])
                {
                    if (path.Backend is null)
                    {
                        continue;
                    }

                    var kind = path.PathType == "Exact" ? PathKind.Exact : PathKind.Prefix;
                    var text = string.IsNullOrEmpty(path.Path) ? "/" : path.Path;
                    if (builder.Paths.Any(p => p.Kind == kind && p.Path == text))
                    {
                        continue;
                    }

                    builder.Paths.Add(new PathRule(text, kind, Resolve(path.Backend), key));
                }
            }

            if (own.Count > 0)
            {
                problems[key] = own;
            }
        }

        var routes = hosts.Select(h => new HostRoutes(
            h.Key,
            // OrderBy is stable: at equal length and kind the older Ingress's rule stays first.
            [.. h.Value.Paths.OrderByDescending(p => p.MatchLength).ThenBy(p => p.Kind == PathKind.Exact ? 0 : 1)],
            h.Key.Length == 0 ? null : h.Value.Fallback,
            h.Key.Length > 0 && CoveredByTls(h.Key, tlsHosts)));
        return new RouteBuild(new RouteTable(routes, defaultBackend), problems);
    }

    /// <summary>"namespace/name".</summary>
    public static string Key(V1Ingress ingress) => $"{ingress.Metadata?.NamespaceProperty}/{ingress.Metadata?.Name}";

    private static bool CoveredByTls(string host, HashSet<string> tlsHosts)
    {
        if (tlsHosts.Contains(host))
        {
            return true;
        }

        var dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && !host.StartsWith('*') && tlsHosts.Contains(string.Concat("*", host.AsSpan(dot)));
    }

    private sealed class HostBuilder
    {
        public List<PathRule> Paths { get; } = [];

        public Backend? Fallback { get; set; }
    }
}

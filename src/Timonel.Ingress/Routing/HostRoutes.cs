namespace Timonel.Ingress.Routing;

/// <summary>
/// The paths of one host (or of requests whose host no rule names, for <see cref="Host"/> ""),
/// in precedence order: longest path first and, at equal length, Exact before Prefix; then the
/// oldest Ingress first, as ingress-nginx resolves two Ingresses claiming the same path.
/// </summary>
public sealed class HostRoutes
{
    public HostRoutes(string host, IReadOnlyList<PathRule> paths, Backend? fallback, bool redirectToHttps)
    {
        Host = host;
        Paths = paths;
        Fallback = fallback;
        RedirectToHttps = redirectToHttps;
    }

    /// <summary>Lower-case host, "*.example.com" for a wildcard, "" for any host.</summary>
    public string Host { get; }

    public IReadOnlyList<PathRule> Paths { get; }

    /// <summary>The defaultBackend of the oldest Ingress with rules for this host, for paths none matches; null: 404.</summary>
    public Backend? Fallback { get; }

    /// <summary>True when an Ingress lists this host under tls: plain HTTP is answered 308 to https.</summary>
    public bool RedirectToHttps { get; }

    public PathRule? Match(string path)
    {
        // By index: foreach over the IReadOnlyList allocated an enumerator per request (seen in a perf profile).
        for (var i = 0; i < Paths.Count; i++)
        {
            if (Paths[i].Matches(path))
            {
                return Paths[i];
            }
        }

        return null;
    }
}

namespace Timonel.Proxy.Model;

/// <summary>
/// Which endpoints take traffic, as kube-proxy's CategorizeEndpoints decides: the ready ones;
/// when none is ready, the ones still serving while terminating (so a rolling update or a
/// draining node does not drop connections that could still be served).
/// </summary>
public static class EndpointSelection
{
    /// <summary>Endpoints for traffic that may go to any node.</summary>
    public static IReadOnlyList<ProxyEndpoint> Cluster(IReadOnlyList<ProxyEndpoint> endpoints) => Usable(endpoints);

    /// <summary>Endpoints for traffic that must stay on this node (a Local traffic policy).</summary>
    public static IReadOnlyList<ProxyEndpoint> Local(IReadOnlyList<ProxyEndpoint> endpoints) => Usable([.. endpoints.Where(e => e.IsLocal)]);

    private static List<ProxyEndpoint> Usable(IReadOnlyList<ProxyEndpoint> endpoints)
    {
        var ready = endpoints.Where(e => e.Ready).ToList();
        return ready.Count > 0 ? ready : [.. endpoints.Where(e => e.Serving && e.Terminating)];
    }
}

using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.ServiceRouting;

namespace Timonel.ApiServer.Aggregation;

/// <summary>A Service that leads nowhere: the message says why (upstream's resolver errors).</summary>
internal sealed class EndpointResolutionException(string message) : Exception(message);

/// <summary>
/// The aggregator's use of the <see cref="ServiceResolver"/>, as upstream's aggregator routes by
/// default: Services and EndpointSlices from the aggregator's caches, the Service's port by
/// number, an ExternalName Service resolving to its external name, endpoints on simulated nodes
/// never picked (endpoints that name no node, or an unregistered one, are). Errors are
/// <see cref="EndpointResolutionException"/>s in upstream's words.
/// </summary>
internal sealed class ServiceEndpointResolver
{
    private readonly ServiceResolver _resolver;

    public ServiceEndpointResolver(WatchedObjects services, EndpointSliceSource endpointSlices, NodeReachability nodes, Random random)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(nodes);
        Slices = endpointSlices;
        _resolver = new ServiceResolver
        {
            Services = services.GetAsync,
            Endpoints = endpointSlices,
            Check = async (endpoint, ct) => await nodes.JudgeAsync(endpoint.NodeName, ct).ConfigureAwait(false) == NodeVerdict.Simulated
                ? EndpointVerdict.Skip("simulated")
                : EndpointVerdict.Use,
            Random = random,
            FollowExternalName = true,
        };
    }

    /// <summary>The EndpointSlices the resolver reads (the availability check looks at them too).</summary>
    public EndpointSliceSource Slices { get; }

    public async Task<(string Host, int Port)> ResolveAsync(ServiceReference reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var resolved = await _resolver.ResolveAsync(reference.Namespace, reference.Name, ServicePortRef.ByNumber(reference.Port), cancellationToken).ConfigureAwait(false);
        return resolved switch
        {
            { Endpoint: { } endpoint } => (endpoint.Address, endpoint.Port),
            { Error: ServiceResolutionError.ServiceNotFound } => throw new EndpointResolutionException($"service \"{reference.Name}\" not found"),
            { Error: ServiceResolutionError.PortNotFound } => throw new EndpointResolutionException($"no service port {reference.Port} found for service \"{reference.Name}\""),
            { Skipped: not null } => throw new EndpointResolutionException($"the endpoints of service \"{reference.Name}\" are on simulated nodes (label {Api.Nodes.SimulatedNodes.Label}=true), which have no network to reach"),
            _ => throw new EndpointResolutionException($"no endpoints available for service \"{reference.Name}\""),
        };
    }
}

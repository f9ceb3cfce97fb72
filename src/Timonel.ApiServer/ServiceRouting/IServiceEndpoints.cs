namespace Timonel.ApiServer.ServiceRouting;

/// <summary>
/// Where a Service's endpoints are read from: its Endpoints object (subsets) or its
/// EndpointSlices. Contract: only ready addresses, each on the endpoint port named
/// <c>portName</c> (groups without that port are left out); null when the Service has no
/// Endpoints object at all (an EndpointSlice source never answers null).
/// </summary>
internal interface IServiceEndpoints
{
    /// <summary>The endpoint groups the Service lists (all of them, for <see cref="ServiceResolution.Groups"/>) and their usable addresses.</summary>
    Task<(int Listed, IReadOnlyList<IReadOnlyList<ServiceEndpoint>> Usable)?> ListAsync(string ns, string service, string portName, CancellationToken cancellationToken);
}

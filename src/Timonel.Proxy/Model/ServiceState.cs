namespace Timonel.Proxy.Model;

/// <summary>A Service port with the endpoints its EndpointSlices list for it (sorted, de-duplicated).</summary>
public sealed record ServiceState(ServicePortInfo Info, IReadOnlyList<ProxyEndpoint> Endpoints);

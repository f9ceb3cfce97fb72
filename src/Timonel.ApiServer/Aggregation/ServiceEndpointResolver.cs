using System.Text.Json.Nodes;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;

namespace Timonel.ApiServer.Aggregation;

/// <summary>A Service that leads nowhere: the message says why (upstream's resolver errors).</summary>
internal sealed class EndpointResolutionException(string message) : Exception(message);

/// <summary>
/// Turns a Service reference into one backend address, as upstream's aggregator routes by
/// default: the Service's port is found by number, then a ready endpoint of its EndpointSlices
/// serving the port of that name is picked at random. An ExternalName Service resolves to its
/// external name. Endpoints on simulated nodes are never picked: their addresses are made up
/// and could route off the machine. The address still passes the dial filter when it is dialled.
/// </summary>
internal sealed class ServiceEndpointResolver(WatchedObjects services, WatchedObjects endpointSlices, Func<string, CancellationToken, Task<bool>> isSimulatedNode, Random random)
{
    private const string ServiceNameLabel = "kubernetes.io/service-name";

    public async Task<(string Host, int Port)> ResolveAsync(ServiceReference reference, CancellationToken cancellationToken)
    {
        var service = await services.GetAsync(reference.Namespace, reference.Name, cancellationToken).ConfigureAwait(false)
            ?? throw new EndpointResolutionException($"service \"{reference.Name}\" not found");
        var spec = service.Obj("spec");
        if (spec.Str("type") == "ExternalName")
        {
            return (spec.Str("externalName") ?? "", reference.Port);
        }

        var servicePort = spec.Arr("ports").Objects().Select(p => p.Item).FirstOrDefault(p => p.Int("port") == reference.Port)
            ?? throw new EndpointResolutionException($"no service port {reference.Port} found for service \"{reference.Name}\"");
        var portName = servicePort.Str("name") ?? "";
        var candidates = new List<(string, int)>();
        var simulated = 0;
        foreach (var slice in await endpointSlices.ListAsync(reference.Namespace, cancellationToken).ConfigureAwait(false))
        {
            if (slice.Obj("metadata").Obj("labels").Str(ServiceNameLabel) != reference.Name)
            {
                continue;
            }

            var port = slice.Arr("ports").Objects().Select(p => p.Item).FirstOrDefault(p => (p.Str("name") ?? "") == portName && p.Int("port") is not null);
            if (port is null)
            {
                continue;
            }

            foreach (var (_, endpoint) in slice.Arr("endpoints").Objects())
            {
                if (endpoint.Obj("conditions").Bool("ready") == false)
                {
                    continue;
                }

                if (endpoint.Str("nodeName") is { Length: > 0 } node && await isSimulatedNode(node, cancellationToken).ConfigureAwait(false))
                {
                    simulated++;
                    continue;
                }

                candidates.AddRange(endpoint.Arr("addresses")?.Select(a => (JsonAccess.AsString(a) ?? "", (int)port.Int("port")!.Value)).Where(a => a.Item1.Length > 0) ?? []);
            }
        }

        return candidates.Count > 0 ? candidates[random.Next(candidates.Count)]
            : simulated > 0 ? throw new EndpointResolutionException($"the endpoints of service \"{reference.Name}\" are on simulated nodes (label {Api.Nodes.SimulatedNodes.Label}=true), which have no network to reach")
            : throw new EndpointResolutionException($"no endpoints available for service \"{reference.Name}\"");
    }

    /// <summary>Whether the Service has a ready endpoint for the port (the availability check's MissingEndpoints test).</summary>
    public static bool HasReadyEndpoint(IEnumerable<JsonObject> slices, string serviceName, string portName) =>
        slices.Any(slice =>
            slice.Obj("metadata").Obj("labels").Str(ServiceNameLabel) == serviceName
            && slice.Arr("endpoints").Objects().Any(e => e.Item.Obj("conditions").Bool("ready") != false)
            && slice.Arr("ports").Objects().Any(p => p.Item.Str("name") is { } n && n == portName && p.Item.Int("port") is not null));

    /// <summary>The slices of <paramref name="serviceName"/> in its namespace.</summary>
    public async Task<IReadOnlyList<JsonObject>> SlicesOfAsync(string ns, string serviceName, CancellationToken cancellationToken) =>
        [.. (await endpointSlices.ListAsync(ns, cancellationToken).ConfigureAwait(false)).Where(s => s.Obj("metadata").Obj("labels").Str(ServiceNameLabel) == serviceName)];
}

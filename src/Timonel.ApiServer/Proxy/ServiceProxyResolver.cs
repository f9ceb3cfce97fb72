using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.ServiceRouting;
using Timonel.ApiServer.Streaming;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// services/{name}/proxy: the proxy's use of the <see cref="ServiceResolver"/>, as upstream's
/// service ResourceLocation picks an endpoint: a port number names the Service port it is (503
/// "no service port N found" otherwise), a port name (or none) is looked for among the endpoint
/// ports as it is; the Endpoints' subsets and addresses are tried from random starting points,
/// and an address counts only when its targetRef is a pod of this namespace that still has that
/// IP. Timonel also skips pods on simulated, missing or no nodes, so their made-up IPs are never
/// dialled. A Service without an Endpoints object is a 404, as upstream's.
/// </summary>
internal sealed class ServiceProxyResolver(ResourceCatalog catalog, ObjectStore objects, KubeletConnector kubelets, NodeReachability nodes, Random random)
{
    public async Task<ProxyLocation> ResolveAsync(ApiResource services, string ns, string id, CancellationToken ct)
    {
        var target = ProxyTargetName.Parse("service", id);
        var resolver = new ServiceResolver
        {
            Services = async (n, name, c) => (await objects.GetAsync(services, n, name, c).ConfigureAwait(false))?.Object,
            Endpoints = new EndpointsObjectSource(async (n, name, c) => (await objects.GetAsync(catalog.Find("", "v1", "endpoints")!, n, name, c).ConfigureAwait(false))?.Object),
            Check = (endpoint, c) => CheckAsync(ns, endpoint, c),
            Random = random,
        };
        var port = target.PortNumber is { } number ? ServicePortRef.ByNumber(number) : ServicePortRef.ByName(target.Port);
        var resolved = await resolver.ResolveAsync(ns, target.Name, port, ct).ConfigureAwait(false);
        return resolved switch
        {
            { Endpoint: { } endpoint } => new ProxyLocation(target.SchemeOrHttp, ProxyLocation.HostPort(endpoint.Address, endpoint.Port), kubelets.ProxyInvoker, $"endpoint {endpoint.Address} of service \"{target.Name}\""),
            { Error: ServiceResolutionError.ServiceNotFound } => throw ApiException.NotFound("", "services", target.Name),
            { Error: ServiceResolutionError.PortNotFound } => throw ApiException.ServiceUnavailable($"no service port {port.Number} found for service \"{target.Name}\""),
            { Error: ServiceResolutionError.EndpointsNotFound } => throw ApiException.NotFound("", "endpoints", target.Name),
            { Groups: 0 } => throw ApiException.ServiceUnavailable($"no endpoints available for service \"{target.Name}\""),
            { Skipped: var skipped } => throw ApiException.ServiceUnavailable($"no endpoints available for service \"{id}\"" + (skipped is null ? "" : $" (skipped {skipped})")),
        };
    }

    /// <summary>
    /// Usable when the address stands for a pod of this namespace that still has the IP
    /// (upstream's isValidAddress; passed over silently otherwise) on a node that may be dialled.
    /// </summary>
    private async ValueTask<EndpointVerdict> CheckAsync(string ns, ServiceEndpoint endpoint, CancellationToken ct)
    {
        var reference = endpoint.TargetRef;
        if (reference.Str("name") is not { Length: > 0 } name || (reference.Str("namespace") ?? "") != ns)
        {
            return EndpointVerdict.Skip();
        }

        var pod = (await objects.GetAsync(catalog.Find("", "v1", "pods")!, ns, name, ct).ConfigureAwait(false))?.Object;
        if (pod is null || !ProxyAddresses.PodIps(pod).Contains(endpoint.Address))
        {
            return EndpointVerdict.Skip();
        }

        return await nodes.WhyUnreachableAsync(pod.Obj("spec").Str("nodeName"), ct).ConfigureAwait(false) is { } why
            ? EndpointVerdict.Skip($"pod \"{pod.Obj("metadata").Str("name")}\": {why}")
            : EndpointVerdict.Use;
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Timonel.Api.Validation;
using Timonel.ApiServer.Streaming;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Registry.Conversion;

/// <summary>
/// Finds where a webhook's service clientConfig {namespace, name, port} is served, as upstream's
/// endpoint routing does: the Service's port with that number, then a ready address of its
/// Endpoints in the subset carrying that port's name, and the endpoint's port. Endpoints of pods
/// on simulated nodes are never chosen (their addresses are made up and would route off the
/// machine); whatever address is chosen still passes the API server's dial filter before any
/// connection is opened.
/// </summary>
internal sealed class WebhookServiceResolver(ResourceCatalog catalog, ObjectStore objects)
{
    /// <summary>The address and port to connect to, or an error in upstream's words (a Go-style message).</summary>
    public async Task<(IPEndPoint? Endpoint, string? Error)> ResolveAsync(string ns, string name, int port, CancellationToken cancellationToken)
    {
        var service = await GetAsync("services", ns, name, cancellationToken).ConfigureAwait(false);
        if (service is null)
        {
            return (null, $"service \"{name}\" not found");
        }

        var servicePort = service.Obj("spec").Arr("ports").Objects().Select(p => p.Item).FirstOrDefault(p => p.Int("port") == port);
        if (servicePort is null)
        {
            return (null, $"no service port {port} found for service \"{name}\"");
        }

        var portName = servicePort.Str("name") ?? "";
        var endpoints = await GetAsync("endpoints", ns, name, cancellationToken).ConfigureAwait(false);
        var simulatedOnly = false;
        foreach (var (_, subset) in endpoints.Arr("subsets").Objects())
        {
            var endpointPort = subset.Arr("ports").Objects().Select(p => p.Item).FirstOrDefault(p => (p.Str("name") ?? "") == portName);
            if (endpointPort?.Int("port") is not { } targetPort)
            {
                continue;
            }

            foreach (var (_, address) in subset.Arr("addresses").Objects())
            {
                if (address.Str("nodeName") is { Length: > 0 } node && await IsSimulatedAsync(node, cancellationToken).ConfigureAwait(false))
                {
                    simulatedOnly = true;
                    continue;
                }

                if (IPAddress.TryParse(address.Str("ip"), out var ip))
                {
                    return (new IPEndPoint(ip, (int)targetPort), null);
                }
            }
        }

        return (null, simulatedOnly
            ? $"no endpoints available for service \"{name}\": its endpoints are pods on simulated nodes, which cannot be reached"
            : $"no endpoints available for service \"{name}\"");
    }

    private async Task<bool> IsSimulatedAsync(string node, CancellationToken cancellationToken) =>
        await GetAsync("nodes", null, node, cancellationToken).ConfigureAwait(false) is { } obj && KubeletConnector.IsSimulated(obj);

    private async Task<JsonObject?> GetAsync(string plural, string? ns, string name, CancellationToken cancellationToken)
    {
        var resource = catalog.Find("", "v1", plural) ?? throw new InvalidOperationException($"the catalog has no {plural}");
        return (await objects.GetAsync(resource, ns, name, cancellationToken).ConfigureAwait(false))?.Object;
    }
}

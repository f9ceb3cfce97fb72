using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Streaming;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// services/{name}/proxy: a ready address of the Service's Endpoints, as upstream's service
/// ResourceLocation picks one: a port number names the Service port it is (503 "no service port
/// N found" otherwise), the Endpoints' subsets and addresses are tried from random starting
/// points, and an address counts only when its targetRef is a pod of this namespace that still
/// has that IP. Timonel also skips pods on simulated or missing nodes, so their made-up IPs are
/// never dialled.
/// </summary>
internal sealed class ServiceProxyResolver(ResourceCatalog catalog, ObjectStore objects, KubeletConnector kubelets, ProxyAddresses addresses, Random random)
{
    public async Task<ProxyLocation> ResolveAsync(ApiResource services, string ns, string id, CancellationToken ct)
    {
        var target = ProxyTargetName.Parse("service", id);
        var service = (await objects.GetAsync(services, ns, target.Name, ct).ConfigureAwait(false)
            ?? throw ApiException.NotFound("", "services", target.Name)).Object;
        var portName = target.Port;
        if (target.PortNumber is { } number)
        {
            var declared = (service["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(p => p["port"]?.GetValue<int>() == number)
                ?? throw ApiException.ServiceUnavailable($"no service port {number} found for service \"{target.Name}\"");
            portName = declared["name"]?.GetValue<string>() ?? "";
        }

        var endpoints = (await objects.GetAsync(catalog.Find("", "v1", "endpoints")!, ns, target.Name, ct).ConfigureAwait(false)
            ?? throw ApiException.NotFound("", "endpoints", target.Name)).Object;
        var subsets = (endpoints["subsets"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (subsets.Count == 0)
        {
            throw ApiException.ServiceUnavailable($"no endpoints available for service \"{target.Name}\"");
        }

        string? skipped = null;
        var subsetStart = random.Next(subsets.Count);
        for (var i = 0; i < subsets.Count; i++)
        {
            var subset = subsets[(subsetStart + i) % subsets.Count];
            var ready = (subset["addresses"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            var port = (subset["ports"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(p => (p["name"]?.GetValue<string>() ?? "") == portName);
            if (ready.Count == 0 || port?["port"]?.GetValue<int>() is not { } endpointPort)
            {
                continue;
            }

            var addressStart = random.Next(ready.Count);
            for (var j = 0; j < ready.Count; j++)
            {
                var address = ready[(addressStart + j) % ready.Count];
                var ip = address["ip"]?.GetValue<string>();
                if (ip is null || await PodOfAsync(ns, address, ip, ct).ConfigureAwait(false) is not { } pod)
                {
                    continue;
                }

                if (await addresses.WhyUnreachableAsync(pod["spec"]?["nodeName"]?.GetValue<string>(), ct).ConfigureAwait(false) is { } why)
                {
                    skipped = $"pod \"{pod["metadata"]?["name"]}\": {why}";
                    continue;
                }

                return new ProxyLocation(target.SchemeOrHttp, ProxyLocation.HostPort(ip, endpointPort), kubelets.ProxyInvoker, $"endpoint {ip} of service \"{target.Name}\"");
            }
        }

        throw ApiException.ServiceUnavailable($"no endpoints available for service \"{id}\"" + (skipped is null ? "" : $" (skipped {skipped})"));
    }

    /// <summary>The pod an endpoint address stands for, if it is in this namespace and still has the address's IP (upstream's isValidAddress).</summary>
    private async Task<JsonObject?> PodOfAsync(string ns, JsonObject address, string ip, CancellationToken ct)
    {
        var reference = address["targetRef"] as JsonObject;
        if (reference?["name"]?.GetValue<string>() is not { Length: > 0 } name || (reference["namespace"]?.GetValue<string>() ?? "") != ns)
        {
            return null;
        }

        var pod = await objects.GetAsync(catalog.Find("", "v1", "pods")!, ns, name, ct).ConfigureAwait(false);
        return pod is not null && ProxyAddresses.PodIps(pod.Object).Contains(ip) ? pod.Object : null;
    }
}

using System.Globalization;
using System.Net;
using Timonel.Api.Errors;
using Timonel.Api.Nodes;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Streaming;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// nodes/{name}/proxy: the node's kubelet (HTTPS with the API server's kubelet client
/// certificate) when no port or the kubelet's port is asked for; another port of the node's
/// address otherwise, over plain HTTP unless "https:" is asked, without the certificate (as
/// upstream's node ResourceLocation). A simulated node is refused before anything is dialled.
/// </summary>
internal sealed class NodeProxyResolver(ObjectStore objects, KubeletConnector kubelets, ProxyAddresses addresses)
{
    public async Task<ProxyLocation> ResolveAsync(ApiResource nodes, string id, CancellationToken ct)
    {
        var target = ProxyTargetName.Parse("node", id);
        target.RequireNumericPort("node", id);
        var node = (await objects.GetAsync(nodes, null, target.Name, ct).ConfigureAwait(false)
            ?? throw ApiException.NotFound("", "nodes", target.Name)).Object;
        if (KubeletConnector.IsSimulated(node))
        {
            throw ApiException.ServiceUnavailable(
                $"no route to node \"{target.Name}\": it is simulated (label {SimulatedNodes.Label}=true), has no kubelet, and its made-up address is never dialled");
        }

        var kubelet = KubeletConnector.KubeletUrl(node);
        var kubeletPort = KubeletConnector.KubeletPort(node);
        if (target.PortNumber is null || target.PortNumber == kubeletPort)
        {
            return new ProxyLocation(kubelet.Scheme, kubelet.Authority, kubelets.Invoker, $"kubelet of node \"{target.Name}\"");
        }

        // Upstream checks the node's hostname resolves to proxyable addresses only for other ports.
        if (IPAddress.TryParse(kubelet.Host.Trim('[', ']'), out var ip) && !addresses.IsProxyable(ip))
        {
            throw ApiException.BadRequest("address not allowed");
        }

        return new ProxyLocation(target.SchemeOrHttp, ProxyLocation.HostPort(kubelet.Host.Trim('[', ']'), target.PortNumber),
            kubelets.ProxyInvoker, $"port {target.PortNumber.Value.ToString(CultureInfo.InvariantCulture)} of node \"{target.Name}\"");
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.Streaming;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// pods/{name}/proxy: the pod's first IP, on the port asked for, else the first container port
/// the pod declares, else the scheme's default (as upstream's pod ResourceLocation). A pod IP
/// that is not global unicast is a 400 "address not allowed"; a pod on a simulated or missing
/// node is a 503 and is never dialled.
/// </summary>
internal sealed class PodProxyResolver(ObjectStore objects, KubeletConnector kubelets, ProxyAddresses addresses, NodeReachability nodes)
{
    public async Task<ProxyLocation> ResolveAsync(ApiResource pods, string ns, string id, CancellationToken ct)
    {
        var target = ProxyTargetName.Parse("pod", id);
        target.RequireNumericPort("pod", id);
        var pod = (await objects.GetAsync(pods, ns, target.Name, ct).ConfigureAwait(false)
            ?? throw ApiException.NotFound("", "pods", target.Name)).Object;
        var port = target.PortNumber ?? FirstContainerPort(pod);
        var ip = addresses.RequireProxyable(ProxyAddresses.PodIp(pod));
        if (await nodes.WhyUnreachableAsync(pod["spec"]?["nodeName"]?.GetValue<string>(), ct).ConfigureAwait(false) is { } why)
        {
            throw ApiException.ServiceUnavailable($"no route to pod \"{target.Name}\": {why}");
        }

        var portText = port is { } p ? " port " + p.ToString(CultureInfo.InvariantCulture) : "";
        return new ProxyLocation(target.SchemeOrHttp, ProxyLocation.HostPort(ip.ToString(), port), kubelets.ProxyInvoker, $"pod \"{target.Name}\"{portText}");
    }

    private static int? FirstContainerPort(JsonObject pod) =>
        (pod["spec"]?["containers"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .SelectMany(c => (c["ports"] as JsonArray ?? []).OfType<JsonObject>())
            .Select(p => p["containerPort"]?.GetValue<int>() ?? 0)
            .Where(p => p > 0)
            .Select(p => (int?)p)
            .FirstOrDefault();
}

using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Timonel.Api.Nodes;

namespace Timonel.Kubelet.Network;

/// <summary>One host-gw route: the pod CIDR of another node, reached through that node's InternalIP.</summary>
public sealed record PodRoute(string Destination, IPAddress Gateway, string NodeName);

/// <summary>
/// Which routes a node needs so that its pods reach every other node's pods by pod IP, host-gw
/// style: for each other Node with a podCIDR and an IPv4 InternalIP, "podCIDR via InternalIP".
/// Simulated nodes get none.
/// </summary>
public static class HostGatewayRoutes
{
    public static IReadOnlyList<PodRoute> Desired(IEnumerable<V1Node> nodes, string selfName)
    {
        var routes = new List<PodRoute>();
        foreach (var node in nodes)
        {
            if (node.Metadata?.Name is not { } name || name == selfName || node.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            // A simulated node's InternalIP is made up: no route may point at it.
            if (SimulatedNodes.IsSimulated(node.Metadata.Labels))
            {
                continue;
            }

            if (node.Spec?.PodCIDR is not { Length: > 0 } cidr || InternalIp(node) is not { } gateway)
            {
                continue;
            }

            string destination;
            try
            {
                var (network, prefix) = CniConfig.ParseCidr(cidr);
                destination = $"{network}/{prefix}";
            }
            catch (ArgumentException)
            {
                continue;
            }

            routes.Add(new PodRoute(destination, gateway, name));
        }

        // Two nodes claiming one CIDR (a moment during reassignment): keep one route, the first by name.
        return routes.GroupBy(r => r.Destination, StringComparer.Ordinal)
            .Select(g => g.OrderBy(r => r.NodeName, StringComparer.Ordinal).First())
            .OrderBy(r => r.Destination, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The Node's first IPv4 InternalIP, or null.</summary>
    public static IPAddress? InternalIp(V1Node node) =>
        node.Status?.Addresses?
            .Where(a => a.Type == "InternalIP")
            .Select(a => IPAddress.TryParse(a.Address, out var ip) ? ip : null)
            .FirstOrDefault(ip => ip?.AddressFamily == AddressFamily.InterNetwork);
}

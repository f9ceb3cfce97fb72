using System.Net;
using Timonel.Kubelet.Network;

namespace Timonel.Kubelet.Node;

/// <summary>
/// Picks a node's podCIDR: the first /24 of the cluster CIDR that no other Node holds. Used by
/// the agent at registration while the server assigns none (k3s's node IPAM controller does it
/// server-side; the Node's spec.podCIDR is the contract either way).
/// </summary>
public static class PodCidrAllocator
{
    public static string Allocate(string clusterCidr, IEnumerable<string> taken)
    {
        var (network, prefix) = CniConfig.ParseCidr(clusterCidr);
        if (prefix > 24)
        {
            throw new ArgumentException($"cluster CIDR {clusterCidr} is smaller than one /24 node range");
        }

        var used = new HashSet<string>(taken, StringComparer.Ordinal);
        var bytes = network.GetAddressBytes();
        var start = (uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8;
        var count = 1u << (24 - prefix);
        for (var i = 0u; i < count; i++)
        {
            var value = start + (i << 8);
            var candidate = $"{new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), 0])}/24";
            if (!used.Contains(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"cluster CIDR {clusterCidr} has no free /24 left for this node");
    }
}

using System.Net;

namespace Timonel.Simulator;

/// <summary>
/// Hands out pod IPs from each simulated node's podCIDR, as host-local IPAM does: .1 is the
/// node's bridge, addresses go round-robin so a freed one is not reused at once, and an address
/// stays with its pod (by UID) until released.
/// </summary>
internal sealed class PodIpAllocator
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, NodeRange> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Node, uint Ip)> _byPod = new(StringComparer.Ordinal);

    /// <summary>True once <see cref="Occupy"/> was offered the node's existing pods.</summary>
    public bool Knows(string nodeName, string podCidr)
    {
        lock (_lock)
        {
            return _nodes.TryGetValue(nodeName, out var range) && range.Cidr == podCidr;
        }
    }

    /// <summary>
    /// Starts (or restarts, when the subnet changed) tracking a node, marking the addresses its
    /// pods already report as taken.
    /// </summary>
    public void Load(string nodeName, string podCidr, IEnumerable<(string PodUid, string PodIp)> existing)
    {
        if (!FakeAddresses.TryParseV4Cidr(podCidr, out var network, out var prefix) || prefix > 30)
        {
            throw new ArgumentException($"node {nodeName}: podCIDR {podCidr} is not an IPv4 subnet with room for pods");
        }

        lock (_lock)
        {
            var range = new NodeRange(podCidr, network, prefix);
            _nodes[nodeName] = range;
            foreach (var (uid, ip) in existing)
            {
                if (IPAddress.TryParse(ip, out var address) && range.Contains(FakeAddresses.ToUInt(address)))
                {
                    var value = FakeAddresses.ToUInt(address);
                    range.Used.Add(value);
                    _byPod[uid] = (nodeName, value);
                }
            }
        }
    }

    /// <summary>The pod's address on the node, allocating one if it has none.</summary>
    /// <exception cref="InvalidOperationException">The node's subnet is full or unknown.</exception>
    public string Allocate(string nodeName, string podUid)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(nodeName, out var range))
            {
                throw new InvalidOperationException($"node {nodeName} has no pod subnet loaded");
            }

            if (_byPod.TryGetValue(podUid, out var held) && held.Node == nodeName)
            {
                return FakeAddresses.ToAddress(held.Ip).ToString();
            }

            var size = range.Last - range.First + 1;
            for (var i = 0u; i < size; i++)
            {
                var candidate = range.First + ((range.Next - range.First + i) % size);
                if (range.Used.Add(candidate))
                {
                    range.Next = candidate + 1 > range.Last ? range.First : candidate + 1;
                    _byPod[podUid] = (nodeName, candidate);
                    return FakeAddresses.ToAddress(candidate).ToString();
                }
            }

            throw new InvalidOperationException($"node {nodeName}: no free pod IP left in {range.Cidr}");
        }
    }

    public void Release(string podUid)
    {
        lock (_lock)
        {
            if (_byPod.Remove(podUid, out var held) && _nodes.TryGetValue(held.Node, out var range))
            {
                range.Used.Remove(held.Ip);
            }
        }
    }

    public void ForgetNode(string nodeName)
    {
        lock (_lock)
        {
            _nodes.Remove(nodeName);
            foreach (var uid in _byPod.Where(p => p.Value.Node == nodeName).Select(p => p.Key).ToList())
            {
                _byPod.Remove(uid);
            }
        }
    }

    private sealed class NodeRange(string cidr, uint network, int prefix)
    {
        public string Cidr { get; } = cidr;

        /// <summary>.1 is the bridge: pods start at .2.</summary>
        public uint First { get; } = network + 2;

        /// <summary>The broadcast address is not handed out.</summary>
        public uint Last { get; } = network + (uint)((1L << (32 - prefix)) - 2);

        public uint Next { get; set; } = network + 2;

        public HashSet<uint> Used { get; } = [];

        public bool Contains(uint ip) => ip >= First && ip <= Last;
    }
}

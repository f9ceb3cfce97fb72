using System.Buffers.Binary;
using System.Net;

namespace Timonel.Controllers.NodeIpam;

/// <summary>
/// The per-node subnets of the cluster CIDR (10.42.0.0/16 cut into /24s by default), which are
/// taken and which are free; like upstream's cidrset, allocation continues after the last one
/// handed out so that a released subnet is not reused at once.
/// </summary>
public sealed class CidrSet
{
    private readonly uint _network;
    private readonly int _subnetBits;
    private readonly bool[] _used;
    private int _next;

    public CidrSet(string clusterCidr, int nodeMaskSize)
    {
        var (network, prefix) = Parse(clusterCidr) ?? throw new ArgumentException($"cluster CIDR \"{clusterCidr}\" is not an IPv4 CIDR");
        if (nodeMaskSize < prefix || nodeMaskSize > 30 || nodeMaskSize - prefix > 16)
        {
            throw new ArgumentException($"node CIDR mask size /{nodeMaskSize} does not fit cluster CIDR {clusterCidr}");
        }

        _network = network;
        NodeMaskSize = nodeMaskSize;
        _subnetBits = 32 - nodeMaskSize;
        _used = new bool[1 << (nodeMaskSize - prefix)];
    }

    public int NodeMaskSize { get; }

    public int Capacity => _used.Length;

    public int Free => _used.Count(u => !u);

    /// <summary>Marks a subnet taken (a node that already has it); false when it is not one of this set's subnets.</summary>
    public bool Occupy(string cidr)
    {
        if (Index(cidr) is not { } i)
        {
            return false;
        }

        _used[i] = true;
        return true;
    }

    public void Release(string cidr)
    {
        if (Index(cidr) is { } i)
        {
            _used[i] = false;
        }
    }

    /// <summary>The next free subnet, or null when the cluster CIDR is exhausted.</summary>
    public string? AllocateNext()
    {
        for (var n = 0; n < _used.Length; n++)
        {
            var i = (_next + n) % _used.Length;
            if (!_used[i])
            {
                _used[i] = true;
                _next = (i + 1) % _used.Length;
                return $"{Format(_network + ((uint)i << _subnetBits))}/{NodeMaskSize}";
            }
        }

        return null;
    }

    private int? Index(string cidr)
    {
        if (Parse(cidr) is not var (address, prefix) || prefix != NodeMaskSize)
        {
            return null;
        }

        var offset = address - _network;
        var index = offset >> _subnetBits;
        return address >= _network && index < _used.Length && (offset & ((1u << _subnetBits) - 1)) == 0 ? (int)index : null;
    }

    private static (uint Address, int Prefix)? Parse(string cidr)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(cidr[..slash], out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(cidr[(slash + 1)..], out var prefix) || prefix is < 0 or > 32)
        {
            return null;
        }

        var value = BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes());
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        return (value & mask, prefix);
    }

    private static string Format(uint address)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes).ToString();
    }
}

using System.Net;
using System.Net.Sockets;

namespace Timonel.ApiServer.Admission;

/// <summary>The service CIDR (IPv4) and the NodePort range.</summary>
public sealed record ServiceNetwork(uint NetworkAddress, long Size, long NodePortFirst, long NodePortLast)
{
    /// <summary>k3s's defaults: 10.43.0.0/16 and 30000-32767.</summary>
    public static ServiceNetwork Default { get; } = Parse("10.43.0.0/16", "30000-32767");

    public static ServiceNetwork Parse(string cidr, string nodePortRange)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(cidr[..slash], out var addr) || addr.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(cidr[(slash + 1)..], out var bits) || bits is < 8 or > 30)
        {
            throw new ArgumentException($"--service-cidr \"{cidr}\" must be an IPv4 CIDR with a prefix between /8 and /30, e.g. 10.43.0.0/16");
        }

        var b = addr.GetAddressBytes();
        var value = ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
        var mask = uint.MaxValue << (32 - bits);
        var range = nodePortRange.Split('-');
        if (range.Length != 2 || !long.TryParse(range[0], out var first) || !long.TryParse(range[1], out var last) || first < 1 || last > 65535 || first > last)
        {
            throw new ArgumentException($"--service-node-port-range \"{nodePortRange}\" must look like 30000-32767");
        }

        return new ServiceNetwork(value & mask, 1L << (32 - bits), first, last);
    }

    /// <summary>The range in CIDR notation, e.g. 10.43.0.0/16 (the default ServiceCIDR's).</summary>
    public string Cidr => $"{AddressAt(0)}/{32 - (int)Math.Log2(Size)}";

    /// <summary>The first usable address: the kubernetes service's ClusterIP.</summary>
    public string FirstAddress => AddressAt(1);

    /// <summary>The tenth address: the kube-dns Service's ClusterIP, as k3s (10.43.0.10).</summary>
    public string DnsAddress => AddressAt(10);

    private string AddressAt(uint offset)
    {
        var v = NetworkAddress + offset;
        return new IPAddress([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]).ToString();
    }
}

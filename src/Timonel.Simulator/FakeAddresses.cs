using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Timonel.Simulator;

/// <summary>
/// Addresses that simulated nodes and pods report. They are only written into objects and never
/// contacted, so they come from ranges that are not routed here.
/// </summary>
internal static class FakeAddresses
{
    /// <summary>
    /// A node's InternalIP: from its pod subnet when it has one (10.42.5.0/24 → 100.74.42.5, the
    /// subnet's index in 100.64.0.0/10, unique per subnet), else from a hash of the name in 172.31.0.0/16.
    /// </summary>
    public static string NodeInternalIp(string nodeName, string? podCidr)
    {
        if (TryParseV4Cidr(podCidr, out var network, out var prefix) && prefix > 0)
        {
            var index = (network >> (32 - prefix)) & 0x3FFFFF;
            return ToAddress((100u << 24 | 64u << 16) + index).ToString();
        }

        var hash = BinaryPrimitives.ReadUInt16BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(nodeName)));
        var host = (uint)Math.Clamp((int)hash, 1, 0xFFFE);
        return ToAddress((172u << 24 | 31u << 16) + host).ToString();
    }

    /// <summary>Parses an IPv4 CIDR into its network address (host bits cleared) and prefix length.</summary>
    public static bool TryParseV4Cidr(string? cidr, out uint network, out int prefix)
    {
        network = 0;
        prefix = 0;
        if (string.IsNullOrEmpty(cidr) || !IPNetwork.TryParse(cidr, out var parsed) || parsed.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        prefix = parsed.PrefixLength;
        network = BinaryPrimitives.ReadUInt32BigEndian(parsed.BaseAddress.GetAddressBytes());
        return true;
    }

    public static IPAddress ToAddress(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    public static uint ToUInt(IPAddress address) => BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());

    /// <summary>A stable 64-hex-digit id, as container runtimes print (containerID, imageID digests).</summary>
    public static string HexId(string seed) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed)));
}

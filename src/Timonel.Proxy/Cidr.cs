using System.Net;
using System.Net.Sockets;

namespace Timonel.Proxy;

/// <summary>IPv4 address and CIDR parsing in the canonical text nft accepts.</summary>
internal static class Cidr
{
    public static bool TryParse(string text, out string canonical)
    {
        canonical = "";
        var parts = text.Split('/');
        if (parts.Length != 2 || !IsIpv4(parts[0]) || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bits) || bits > 32)
        {
            return false;
        }

        var address = IPAddress.Parse(parts[0]).GetAddressBytes();
        var value = (uint)(address[0] << 24 | address[1] << 16 | address[2] << 8 | address[3]);
        var mask = bits == 0 ? 0u : uint.MaxValue << (32 - bits);
        value &= mask;
        canonical = $"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}/{bits}";
        return true;
    }

    public static bool IsIpv4(string? text) =>
        text is not null && IPAddress.TryParse(text, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork && ip.ToString() == text;
}

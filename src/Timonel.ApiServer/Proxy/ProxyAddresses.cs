using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// Which addresses the proxy subresources may send to. Upstream refuses a pod IP that is not a
/// global unicast address (loopback, link-local, multicast, unspecified) with 400 "address not
/// allowed". Which nodes may be dialled at all is <see cref="Security.NodeReachability"/>'s to say;
/// every dial also passes the server's dial filter.
/// </summary>
internal sealed class ProxyAddresses(bool allowLoopback)
{
    /// <summary>True for an address upstream lets a proxy reach (Go's net.IP.IsGlobalUnicast), or loopback when tests allow it.</summary>
    public bool IsProxyable(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (allowLoopback && IPAddress.IsLoopback(address))
        {
            return true;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            // 169.254.0.0/16 link-local, 224.0.0.0/4 multicast.
            return !(b[0] == 169 && b[1] == 254) && b[0] is < 224 or > 239;
        }

        return !address.IsIPv6LinkLocal && !address.IsIPv6Multicast;
    }

    /// <summary>The host of a proxy target, or 400 "address not allowed" as upstream when it is not proxyable.</summary>
    public IPAddress RequireProxyable(string? ip)
    {
        if (!IPAddress.TryParse(ip, out var address) || !IsProxyable(address))
        {
            throw ApiException.BadRequest("address not allowed");
        }

        return address;
    }

    /// <summary>The first pod IP of a pod (status.podIPs, else status.podIP).</summary>
    public static string? PodIp(JsonObject pod) =>
        (pod["status"]?["podIPs"] as JsonArray)?.OfType<JsonObject>().Select(p => p["ip"]?.GetValue<string>()).FirstOrDefault(ip => !string.IsNullOrEmpty(ip))
        ?? pod["status"]?["podIP"]?.GetValue<string>();

    /// <summary>Every pod IP of a pod.</summary>
    public static IEnumerable<string> PodIps(JsonObject pod)
    {
        var ips = (pod["status"]?["podIPs"] as JsonArray)?.OfType<JsonObject>().Select(p => p["ip"]?.GetValue<string>()).OfType<string>().ToList() ?? [];
        if (pod["status"]?["podIP"]?.GetValue<string>() is { Length: > 0 } single && !ips.Contains(single))
        {
            ips.Add(single);
        }

        return ips;
    }
}

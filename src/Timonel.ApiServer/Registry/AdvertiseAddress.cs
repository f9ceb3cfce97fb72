using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Timonel.ApiServer.Registry;

/// <summary>Which address a server publishes in the "kubernetes" Service's endpoints when none is given.</summary>
public static class AdvertiseAddress
{
    /// <summary>
    /// The bind address when it names one interface; for 0.0.0.0 or a loopback bind, the first
    /// non-loopback IPv4 address of an interface that is up (loopback when there is none).
    /// </summary>
    public static IPAddress Choose(IPAddress bindAddress)
    {
        if (!bindAddress.Equals(IPAddress.Any) && !IPAddress.IsLoopback(bindAddress) && !bindAddress.Equals(IPAddress.IPv6Any))
        {
            return bindAddress;
        }

        return FirstNonLoopbackIPv4() ?? IPAddress.Loopback;
    }

    private static IPAddress? FirstNonLoopbackIPv4()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a) && !a.ToString().StartsWith("169.254.", StringComparison.Ordinal));
        }
        catch (NetworkInformationException)
        {
            return null;
        }
    }
}

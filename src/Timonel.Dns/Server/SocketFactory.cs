using System.Net.Sockets;

namespace Timonel.Dns.Server;

/// <summary>
/// Creates the server's and the forwarder's sockets. A socket belongs to the network namespace it
/// was created in, so a node agent whose node lives in a namespace passes a factory that creates
/// them there; the default creates them in the process's own network.
/// </summary>
public delegate Task<Socket> SocketFactory(AddressFamily family, SocketType type, ProtocolType protocol);

internal static class DefaultSockets
{
    public static readonly SocketFactory Create = (family, type, protocol) => Task.FromResult(new Socket(family, type, protocol));
}

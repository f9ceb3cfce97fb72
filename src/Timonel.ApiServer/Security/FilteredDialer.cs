using System.Net;
using System.Net.Sockets;

namespace Timonel.ApiServer.Security;

/// <summary>
/// How the API server opens connections of its own (to kubelets, to conversion webhooks): the
/// addresses are put to the dial filter first and only allowed ones are dialled, so a refused
/// address never sees a packet. Tests confine the filter to loopback.
/// </summary>
internal static class FilteredDialer
{
    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/>, or to <paramref name="addresses"/>
    /// when given (a service endpoint chosen for a host name): an address literal is used as it
    /// is, a name is resolved. Throws HttpRequestException "connections to host (addresses) are not
    /// allowed from this server" when the filter allows none.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(string host, IPAddress[]? addresses, int port, Func<IPAddress, bool>? dialFilter, CancellationToken cancellationToken)
    {
        addresses ??= IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var allowed = dialFilter is null ? addresses : addresses.Where(dialFilter).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"connections to {host} ({string.Join(", ", addresses.Select(a => a.ToString()))}) are not allowed from this server");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

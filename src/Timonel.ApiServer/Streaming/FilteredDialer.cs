using System.Net;
using System.Net.Sockets;

namespace Timonel.ApiServer.Streaming;

/// <summary>
/// Opens the TCP connections the API server makes itself (to kubelets, to extension API
/// servers): every address passes the dial filter before a packet is sent, so a test or an
/// operator can confine the server to loopback and its own networks. A host whose addresses are
/// all refused fails with a message naming them, having dialled nothing.
/// </summary>
internal static class FilteredDialer
{
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, Func<IPAddress, bool>? dialFilter, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, ct).ConfigureAwait(false);
        var allowed = dialFilter is null ? addresses : addresses.Where(dialFilter).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"connections to {endpoint.Host} ({string.Join(", ", addresses.Select(a => a.ToString()))}) are not allowed from this server");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endpoint.Port, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

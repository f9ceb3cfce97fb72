using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Timonel.Dns.Server;

/// <summary>
/// Listens for DNS over UDP and TCP on one address and port and answers each query through a
/// <see cref="DnsQueryHandler"/>. Queries are served concurrently; a TCP connection may carry
/// several queries and is closed after <see cref="TcpIdleTimeout"/> of silence.
/// </summary>
public sealed partial class DnsServer : IAsyncDisposable
{
    private readonly DnsQueryHandler _handler;
    private readonly SocketFactory _sockets;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private Socket? _udp;
    private Socket? _tcp;

    public DnsServer(DnsQueryHandler handler, SocketFactory? sockets, ILogger logger)
    {
        _handler = handler;
        _sockets = sockets ?? DefaultSockets.Create;
        _logger = logger;
    }

    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The bound address and port (UDP and TCP share it); set by <see cref="StartAsync"/>.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>Binds UDP and TCP on <paramref name="endPoint"/> (port 0: a free port both take) and starts serving.</summary>
    /// <exception cref="SocketException">The address is not local or the port is taken.</exception>
    public async Task StartAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        for (var attempt = 0; ; attempt++)
        {
            var udp = await _sockets(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp).ConfigureAwait(false);
            var tcp = await _sockets(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp).ConfigureAwait(false);
            try
            {
                udp.Bind(endPoint);
                var bound = (IPEndPoint)udp.LocalEndPoint!;
                tcp.Bind(bound);
                tcp.Listen(128);
                (_udp, _tcp, LocalEndPoint) = (udp, tcp, bound);
                break;
            }
            catch (SocketException) when (endPoint.Port == 0 && attempt < 10)
            {
                // The free UDP port was taken for TCP: try another.
                udp.Dispose();
                tcp.Dispose();
            }
            catch
            {
                udp.Dispose();
                tcp.Dispose();
                throw;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        _loops.Add(Task.Run(() => UdpLoopAsync(_udp, _stop.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => TcpLoopAsync(_tcp, _stop.Token), CancellationToken.None));
        LogListening(_logger, LocalEndPoint);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _udp?.Dispose();
        _tcp?.Dispose();
        await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task UdpLoopAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[65535];
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // ICMP errors of an earlier reply surface here (connection reset): keep serving.
                continue;
            }

            var packet = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
            var client = received.RemoteEndPoint;
            _ = Task.Run(() => AnswerUdpAsync(socket, packet, client, cancellationToken), CancellationToken.None);
        }
    }

    private async Task AnswerUdpAsync(Socket socket, byte[] packet, EndPoint client, CancellationToken cancellationToken)
    {
        try
        {
            if (await _handler.HandleAsync(packet, overTcp: false, cancellationToken).ConfigureAwait(false) is { } response)
            {
                await socket.SendToAsync(response, SocketFlags.None, client, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Shutting down, or the client went away.
        }
    }

    private async Task TcpLoopAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            _ = Task.Run(() => ServeTcpAsync(connection, cancellationToken), CancellationToken.None);
        }
    }

    private async Task ServeTcpAsync(Socket connection, CancellationToken cancellationToken)
    {
        using (connection)
        {
            await using var stream = new NetworkStream(connection, ownsSocket: false);
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    idle.CancelAfter(TcpIdleTimeout);
                    var query = await TcpFraming.ReadAsync(stream, idle.Token).ConfigureAwait(false);
                    if (query is null)
                    {
                        return;
                    }

                    var response = await _handler.HandleAsync(query, overTcp: true, cancellationToken).ConfigureAwait(false);
                    if (response is null)
                    {
                        return;
                    }

                    await TcpFraming.WriteAsync(stream, response, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // Idle, closed mid-message, or shutting down: drop the connection.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "cluster DNS listening on {EndPoint} (UDP and TCP)")]
    private static partial void LogListening(ILogger logger, IPEndPoint? endPoint);
}

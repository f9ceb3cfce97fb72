using System.Net;
using System.Net.Sockets;
using Timonel.Dns.Wire;

namespace Timonel.Dns.Tests.Infrastructure;

/// <summary>
/// A resolver on 127.0.0.1 standing in for the node's upstream: every A question gets
/// <see cref="Answer"/> (TTL 60); "many.example" gets 60 addresses; "missing.example" is NXDOMAIN.
/// Counts the queries it receives (UDP and TCP).
/// </summary>
public sealed class FakeUpstream : IAsyncDisposable
{
    public static readonly IPAddress Answer = IPAddress.Parse("192.0.2.44");
    private readonly Socket _udp;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;
    private int _queries;

    public FakeUpstream()
    {
        (_udp, _tcp) = BindPair();
        EndPoint = (IPEndPoint)_udp.LocalEndPoint!;
        _udpLoop = Task.Run(UdpLoopAsync);
        _tcpLoop = Task.Run(TcpLoopAsync);
    }

    public IPEndPoint EndPoint { get; }

    // A resolver answers UDP and TCP on one port. The kernel picks a free UDP port, but the same
    // number may be taken for TCP (another test's connection uses it as its local port): then
    // try another port rather than fail.
    private static (Socket Udp, TcpListener Tcp) BindPair()
    {
        for (var attempt = 1; ; attempt++)
        {
            var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var tcp = new TcpListener((IPEndPoint)udp.LocalEndPoint!);
            try
            {
                tcp.Start();
                return (udp, tcp);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < 50)
            {
                udp.Dispose();
            }
        }
    }

    public int Queries => Volatile.Read(ref _queries);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        _tcp.Stop();
        await Task.WhenAll(_udpLoop, _tcpLoop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private static byte[] Respond(byte[] packet)
    {
        var query = DnsMessage.Decode(packet);
        var q = query.Questions[0];
        var response = DnsMessage.ResponseTo(query, q.Name == "missing.example" ? DnsRcode.NXDomain : DnsRcode.NoError);
        if (q.Type == DnsType.A && response.Rcode == DnsRcode.NoError)
        {
            var count = q.Name == "many.example" ? 60 : 1;
            for (var i = 0; i < count; i++)
            {
                response.Answers.Add(new ARecord(q.Name, 60, count == 1 ? Answer : IPAddress.Parse($"192.0.2.{i + 1}")));
            }
        }

        return response.Encode();
    }

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[65535];
        while (!_stop.IsCancellationRequested)
        {
            var received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            Interlocked.Increment(ref _queries);
            await _udp.SendToAsync(Respond(buffer[..received.ReceivedBytes]), SocketFlags.None, received.RemoteEndPoint, _stop.Token);
        }
    }

    private async Task TcpLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            using var client = await _tcp.AcceptTcpClientAsync(_stop.Token);
            var stream = client.GetStream();
            var prefix = new byte[2];
            await stream.ReadExactlyAsync(prefix, _stop.Token);
            var body = new byte[(prefix[0] << 8) | prefix[1]];
            await stream.ReadExactlyAsync(body, _stop.Token);
            Interlocked.Increment(ref _queries);
            var answer = Respond(body);
            await stream.WriteAsync(new[] { (byte)(answer.Length >> 8), (byte)answer.Length }, _stop.Token);
            await stream.WriteAsync(answer, _stop.Token);
        }
    }
}

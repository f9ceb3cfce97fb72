using System.Net;
using System.Net.Sockets;
using Timonel.Dns.Wire;

namespace Timonel.Dns.Tests.Infrastructure;

/// <summary>A minimal stub resolver for tests: one query, UDP or TCP, to a loopback server.</summary>
public static class DnsTestClient
{
    public static Task<DnsMessage> QueryUdpAsync(IPEndPoint server, string name, DnsType type, ushort? ednsSize = null) =>
        SendUdpAsync(server, Query(name, type, ednsSize).Encode());

    public static async Task<DnsMessage> QueryTcpAsync(IPEndPoint server, string name, DnsType type)
    {
        var bytes = await SendTcpAsync(server, Query(name, type, null).Encode());
        return DnsMessage.Decode(bytes ?? throw new IOException("server closed the connection without answering"));
    }

    public static DnsMessage Query(string name, DnsType type, ushort? ednsSize)
    {
        var query = new DnsMessage { Id = (ushort)Random.Shared.Next(1, 65535), RecursionDesired = true };
        query.Questions.Add(new DnsQuestion(name, type));
        if (ednsSize is { } size)
        {
            query.Additionals.Add(new OptRecord(size));
        }

        return query;
    }

    public static async Task<DnsMessage> SendUdpAsync(IPEndPoint server, byte[] packet)
    {
        var raw = await SendUdpRawAsync(server, packet, TimeSpan.FromSeconds(5)) ?? throw new TimeoutException("no UDP answer within 5 s");
        return DnsMessage.Decode(raw);
    }

    /// <summary>The raw answer, or null when none comes within <paramref name="wait"/>.</summary>
    public static async Task<byte[]?> SendUdpRawAsync(IPEndPoint server, byte[] packet, TimeSpan wait)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(server);
        await socket.SendAsync(packet, SocketFlags.None);
        var buffer = new byte[65535];
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return buffer[..n];
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public static async Task<byte[]?> SendTcpAsync(IPEndPoint server, byte[] packet)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var frame = new byte[packet.Length + 2];
        frame[0] = (byte)(packet.Length >> 8);
        frame[1] = (byte)packet.Length;
        packet.CopyTo(frame, 2);
        await stream.WriteAsync(frame);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var prefix = new byte[2];
        if (await stream.ReadAtLeastAsync(prefix, 2, throwOnEndOfStream: false, timeout.Token) < 2)
        {
            return null;
        }

        var body = new byte[(prefix[0] << 8) | prefix[1]];
        await stream.ReadExactlyAsync(body, timeout.Token);
        return body;
    }
}

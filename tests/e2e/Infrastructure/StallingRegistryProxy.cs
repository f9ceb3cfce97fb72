using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Timonel.Kubelet.Network;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// A plain-HTTP proxy on 127.0.0.1:PORT inside a test-made network namespace, in front of a
/// registry there, that can break layers the way a failing registry or network does: while
/// <see cref="Stalling"/>, a blob answer longer than <see cref="CutBytes"/> gets its headers
/// (the full Content-Length) and its first CutBytes, then nothing more, the connection held open
/// (containerd 1.6 then waits on the read for ever: it sets no read timeout). Every request is
/// forwarded with "Connection: close", one per connection, so that answers need no parsing
/// beyond their headers. Stopped with the test; connections it holds are closed then.
/// </summary>
public sealed class StallingRegistryProxy : IAsyncDisposable
{
    public const int CutBytes = 3 * 1024 * 1024;

    private readonly Socket _listener;
    private readonly NodeNetwork _network;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private int _stalled;
    private volatile bool _stalling = true;

    private StallingRegistryProxy(Socket listener, NodeNetwork network, int port, int upstreamPort)
    {
        _listener = listener;
        _network = network;
        Port = port;
        _upstreamPort = upstreamPort;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>host:port as image references name the registry.</summary>
    public string Host => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>True (the start): big blobs stall; false: everything passes (the registry "fixed").</summary>
    public bool Stalling
    {
        get => _stalling;
        set => _stalling = value;
    }

    /// <summary>How many blob answers were cut and held so far.</summary>
    public int StalledAnswers => Volatile.Read(ref _stalled);

    public static async Task<StallingRegistryProxy> StartAsync(string netnsPath, int port, int upstreamPort)
    {
        var network = new NodeNetwork(netnsPath);
        var listener = await network.ListenAsync(new IPEndPoint(IPAddress.Loopback, port));
        return new StallingRegistryProxy(listener, network, port, upstreamPort);
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptAsync(_stop.Token);
                lock (_connections)
                {
                    _connections.Add(ServeAsync(client));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync(Socket client)
    {
        try
        {
            using var clientStream = new NetworkStream(client, ownsSocket: true);
            var (head, extra) = await ReadHeadAsync(clientStream);
            if (head is null)
            {
                return;
            }

            var lines = head.Split("\r\n").Where(l => !l.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase)).ToList();
            var isBlobGet = lines[0].StartsWith("GET ", StringComparison.Ordinal) && lines[0].Contains("/blobs/sha256:", StringComparison.Ordinal);
            using var upstream = new NetworkStream(await _network.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _upstreamPort), _stop.Token), ownsSocket: true);
            await upstream.WriteAsync(Encoding.ASCII.GetBytes(string.Join("\r\n", lines) + "\r\nConnection: close\r\n\r\n"), _stop.Token);
            await upstream.WriteAsync(extra, _stop.Token);

            if (!isBlobGet || !Stalling)
            {
                await upstream.CopyToAsync(clientStream, _stop.Token);
                return;
            }

            var (answerHead, body) = await ReadHeadAsync(upstream);
            if (answerHead is null)
            {
                return;
            }

            await clientStream.WriteAsync(Encoding.ASCII.GetBytes(answerHead + "\r\n\r\n"), _stop.Token);
            var length = answerHead.Split("\r\n").Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Select(p => long.Parse(p[1].Trim(), CultureInfo.InvariantCulture)).FirstOrDefault();
            if (length <= CutBytes)
            {
                await clientStream.WriteAsync(body, _stop.Token);
                await upstream.CopyToAsync(clientStream, _stop.Token);
                return;
            }

            // Send the first CutBytes of the body, then hold the connection without a byte more.
            var sent = 0L;
            var buffer = body;
            var read = body.Length;
            var chunk = new byte[64 * 1024];
            while (sent < CutBytes && read > 0)
            {
                var n = (int)Math.Min(read, CutBytes - sent);
                await clientStream.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
                sent += n;
                read = sent < CutBytes ? await upstream.ReadAsync(chunk, _stop.Token) : 0;
                buffer = chunk;
            }

            Interlocked.Increment(ref _stalled);
            await Task.Delay(Timeout.Infinite, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The client went away, or the proxy stops.
        }
    }

    /// <summary>An HTTP message's head (without the blank line) and the bytes read past it; null head at EOF.</summary>
    private async Task<(string? Head, byte[] Extra)> ReadHeadAsync(Stream stream)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var n = await stream.ReadAsync(chunk, _stop.Token);
            if (n == 0)
            {
                return (null, []);
            }

            buffer.Write(chunk, 0, n);
            var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            var end = bytes.IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return (Encoding.ASCII.GetString(bytes[..end]), bytes[(end + 4)..].ToArray());
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections);
        _stop.Dispose();
    }
}

using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Timonel.Dns.Wire;

namespace Timonel.Dns.Server;

/// <summary>
/// Sends names outside the cluster zone to the node's resolvers (in order, each with a timeout)
/// and keeps answers briefly: for their smallest TTL, at most <see cref="MaxCacheTime"/>.
/// A UDP query goes upstream over UDP; a TCP query (a client's retry after TC) over TCP.
/// </summary>
public sealed class UpstreamForwarder(IReadOnlyList<IPEndPoint> upstreams, SocketFactory? sockets = null, TimeProvider? time = null)
{
    private const int MaxCacheEntries = 10_000;
    private readonly SocketFactory _sockets = sockets ?? DefaultSockets.Create;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<(string Name, DnsType Type, ushort Class), (byte[] Response, DateTimeOffset Expires)> _cache = new();

    public IReadOnlyList<IPEndPoint> Upstreams { get; } = upstreams;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxCacheTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The upstream answer with the client's id, or null when no upstream answered.</summary>
    public async Task<byte[]?> ForwardAsync(DnsMessage query, ReadOnlyMemory<byte> raw, bool overTcp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var q = query.Questions[0];
        var key = (q.Name.ToLowerInvariant(), q.Type, q.Class);
        if (_cache.TryGetValue(key, out var hit) && hit.Expires > _time.GetUtcNow())
        {
            return WithId(hit.Response, query.Id);
        }

        foreach (var upstream in Upstreams)
        {
            var id = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
            var request = WithId(raw.ToArray(), id);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(Timeout);
                var response = overTcp
                    ? await ExchangeTcpAsync(upstream, request, timeout.Token).ConfigureAwait(false)
                    : await ExchangeUdpAsync(upstream, request, id, timeout.Token).ConfigureAwait(false);
                Remember(key, response);
                return WithId(response, query.Id);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or DnsFormatException or IOException && !cancellationToken.IsCancellationRequested)
            {
                // Try the next resolver, as the C library does.
            }
        }

        return null;
    }

    private void Remember((string, DnsType, ushort) key, byte[] response)
    {
        DnsMessage parsed;
        try
        {
            parsed = DnsMessage.Decode(response);
        }
        catch (DnsFormatException)
        {
            return;
        }

        if (parsed.Truncated || parsed.Rcode is not (DnsRcode.NoError or DnsRcode.NXDomain))
        {
            return;
        }

        var ttls = parsed.Answers.Concat(parsed.Authorities).Where(r => r is not OptRecord).Select(r => r.Ttl).ToList();
        var ttl = TimeSpan.FromSeconds(ttls.Count == 0 ? 5 : ttls.Min());
        if (ttl <= TimeSpan.Zero)
        {
            return;
        }

        if (_cache.Count >= MaxCacheEntries)
        {
            _cache.Clear();
        }

        _cache[key] = (response, _time.GetUtcNow() + (ttl < MaxCacheTime ? ttl : MaxCacheTime));
    }

    private async Task<byte[]> ExchangeUdpAsync(IPEndPoint upstream, byte[] request, ushort id, CancellationToken cancellationToken)
    {
        using var socket = await _sockets(upstream.AddressFamily, SocketType.Dgram, ProtocolType.Udp).ConfigureAwait(false);
        await socket.ConnectAsync(upstream, cancellationToken).ConfigureAwait(false);
        await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[65535];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            // A stray or spoofed datagram with another id is ignored.
            if (n >= 12 && BinaryPrimitives.ReadUInt16BigEndian(buffer) == id)
            {
                return buffer[..n];
            }
        }
    }

    private async Task<byte[]> ExchangeTcpAsync(IPEndPoint upstream, byte[] request, CancellationToken cancellationToken)
    {
        using var socket = await _sockets(upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp).ConfigureAwait(false);
        await socket.ConnectAsync(upstream, cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await TcpFraming.WriteAsync(stream, request, cancellationToken).ConfigureAwait(false);
        return await TcpFraming.ReadAsync(stream, cancellationToken).ConfigureAwait(false)
            ?? throw new IOException($"upstream {upstream} closed the connection without answering");
    }

    private static byte[] WithId(byte[] message, ushort id)
    {
        var copy = (byte[])message.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy, id);
        return copy;
    }
}

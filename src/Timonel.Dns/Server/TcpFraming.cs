using System.Buffers.Binary;

namespace Timonel.Dns.Server;

/// <summary>DNS over TCP frames each message with a two-byte length (RFC 1035 section 4.2.2).</summary>
internal static class TcpFraming
{
    public static async Task WriteAsync(Stream stream, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (message.Length > ushort.MaxValue)
        {
            throw new ArgumentException("a DNS message over TCP is at most 65535 bytes");
        }

        var frame = new byte[message.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)message.Length);
        message.Span.CopyTo(frame.AsSpan(2));
        await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The next message, or null at a clean end of the stream.</summary>
    public static async Task<byte[]?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var prefix = new byte[2];
        var got = await stream.ReadAtLeastAsync(prefix, 2, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got < 2)
        {
            return null;
        }

        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        await stream.ReadExactlyAsync(message, cancellationToken).ConfigureAwait(false);
        return message;
    }
}

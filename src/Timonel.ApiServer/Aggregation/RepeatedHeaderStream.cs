using System.Text;

namespace Timonel.ApiServer.Aggregation;

/// <summary>
/// Lets one header go out as several lines. HttpClient joins a header's values into one line
/// ("X-Remote-Group: a, b"), but upstream's request-header authenticator takes every line as one
/// group, unsplit. So each value is added under its own marked name
/// ("Timonel-Repeat-0-X-Remote-Group: a"), and this stream, wrapped around a connection that
/// carries exactly one request, strips the marks from the request head as it is written.
/// </summary>
internal sealed class RepeatedHeaderStream(Stream inner) : Stream
{
    public const string Marker = "Timonel-Repeat-";

    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();
    private MemoryStream? _head = new();

    /// <summary>The header name that goes out as <paramref name="name"/>, one line per index.</summary>
    public static string Marked(string name, int index) => $"{Marker}{index}-{name}";

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_head is null)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            return;
        }

        _head.Write(buffer.Span);
        var bytes = _head.GetBuffer().AsMemory(0, (int)_head.Length);
        var end = bytes.Span.IndexOf(HeadEnd);
        if (end < 0)
        {
            return;
        }

        _head = null;
        var head = Rewrite(Encoding.Latin1.GetString(bytes.Span[..(end + HeadEnd.Length)]));
        await inner.WriteAsync(Encoding.Latin1.GetBytes(head), cancellationToken).ConfigureAwait(false);
        await inner.WriteAsync(bytes[(end + HeadEnd.Length)..], cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("the aggregator writes asynchronously");

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>"Timonel-Repeat-3-X-Remote-Group: a" becomes "X-Remote-Group: a"; other lines stay.</summary>
    internal static string Rewrite(string head)
    {
        var lines = head.Split("\r\n");
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            if (!line.StartsWith(Marker, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var dash = line.IndexOf('-', Marker.Length);
            if (dash > Marker.Length && line.AsSpan(Marker.Length, dash - Marker.Length).ContainsAnyExceptInRange('0', '9') == false)
            {
                lines[i] = line[(dash + 1)..];
            }
        }

        return string.Join("\r\n", lines);
    }
}

using System.Text;
using Timonel.Cli.Bench;
using Xunit;

namespace Timonel.Cli.Tests.Bench;

public sealed class LineBufferTests
{
    [Fact]
    public void LinesSplitAcrossReadsComeOutWhole()
    {
        var buffer = new LineBuffer(initialSize: 16);
        var lines = new List<string>();
        // Chunks as a socket may deliver them: a line cut anywhere, several lines in one read,
        // and a line longer than the buffer (it grows).
        foreach (var chunk in new[] { "{\"a\":1}\n{\"b\"", ":2}\n{\"c\":3}\n{\"long\":\"", new string('x', 40), "\"}\n", "tail" })
        {
            Feed(buffer, chunk, lines);
        }

        Assert.Equal(["{\"a\":1}", "{\"b\":2}", "{\"c\":3}", "{\"long\":\"" + new string('x', 40) + "\"}"], lines);

        // The partial "tail" is held back until its newline arrives.
        Feed(buffer, "\n", lines);
        Assert.Equal("tail", lines[^1]);
    }

    private static void Feed(LineBuffer buffer, string chunk, List<string> lines)
    {
        var bytes = Encoding.UTF8.GetBytes(chunk);
        var offset = 0;
        while (offset < bytes.Length)
        {
            var free = buffer.Free;
            var n = Math.Min(free.Length, bytes.Length - offset);
            bytes.AsSpan(offset, n).CopyTo(free.Span);
            buffer.Advance(n);
            offset += n;
            while (buffer.TryTake(out var line))
            {
                lines.Add(Encoding.UTF8.GetString(line));
            }
        }
    }
}

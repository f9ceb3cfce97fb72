using System.Text;
using Timonel.ApiServer.Aggregation;
using Xunit;

namespace Timonel.ApiServer.Tests.Aggregation;

public sealed class RepeatedHeaderStreamTests
{
    [Fact]
    public async Task WriteAsync_HeadInPieces_MarkedHeadersBecomeRepeatedLinesAndBodyIsUntouched()
    {
        var sent = new MemoryStream();
        await using var stream = new RepeatedHeaderStream(sent);
        var request = "GET /x HTTP/1.1\r\nHost: a\r\nTimonel-Repeat-0-X-Remote-Group: a, b\r\nTimonel-Repeat-1-X-Remote-Group: c\r\nTimonel-Repeat-x-Kept: v\r\n\r\nTimonel-Repeat-0-Body: stays";

        foreach (var piece in new[] { request[..20], request[20..70], request[70..] })
        {
            await stream.WriteAsync(Encoding.Latin1.GetBytes(piece));
        }

        Assert.Equal(
            "GET /x HTTP/1.1\r\nHost: a\r\nX-Remote-Group: a, b\r\nX-Remote-Group: c\r\nTimonel-Repeat-x-Kept: v\r\n\r\nTimonel-Repeat-0-Body: stays",
            Encoding.Latin1.GetString(sent.ToArray()));
    }

    [Fact]
    public async Task WriteAsync_HeadNotComplete_NothingSentYet()
    {
        var sent = new MemoryStream();
        await using var stream = new RepeatedHeaderStream(sent);

        await stream.WriteAsync("GET /x HTTP/1.1\r\nHost: a\r\n"u8.ToArray());
        Assert.Equal(0, sent.Length);
        await stream.WriteAsync("\r\n"u8.ToArray());
        Assert.Equal("GET /x HTTP/1.1\r\nHost: a\r\n\r\n", Encoding.Latin1.GetString(sent.ToArray()));
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using Timonel.Cli.Bench;
using Xunit;

namespace Timonel.Cli.Tests;

/// <summary>The ingress benchmark's load client and backend (`timonel bench http-load` / `http-backend`).</summary>
public sealed class HttpLoadClientTests
{
    [Fact]
    public void ParseHead_SizedAnswer_StatusAndLength()
    {
        var head = "HTTP/1.1 200 OK\r\nDate: Mon, 07 Dec 2026 14:00:00 GMT\r\ncontent-LENGTH:  16384\r\n"u8;

        Assert.Equal((200, 16384L, (string?)null), HttpLoadClient.ParseHead(head.ToArray().AsSpan(0, head.Length - 2)));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked", "a chunked answer (the load client needs Content-Length)")]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close", "an answer without Content-Length")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 12x", "bad Content-Length: 12x")]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 1", "not an HTTP/1.1 status line: HTTP/1.0 200 OK")]
    [InlineData("garbage", "not an HTTP/1.1 status line: garbage")]
    public void ParseHead_UnusableAnswer_SaysWhy(string head, string problem) =>
        Assert.Equal(problem, HttpLoadClient.ParseHead(Encoding.ASCII.GetBytes(head)).Problem);

    [Theory]
    [InlineData("hello")]
    [InlineData("body16k")]
    public async Task Run_AgainstTheBenchBackend_AnswersCountedNoFailures(string kind)
    {
        using var stop = new CancellationTokenSource();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = HttpLoadBackend.ServeAsync(kind, listening.SetResult, stop.Token);
        var port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var measuring = false;

        var result = await HttpLoadClient.RunAsync(new IPEndPoint(IPAddress.Loopback, port), "bench.test", 2, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300), () => measuring = true, CancellationToken.None);
        await stop.CancelAsync();
        await server;

        Assert.True(measuring);
        Assert.Null(result.FirstError);
        Assert.Equal(0, result.Failed);
        Assert.True(result.Ok > 0, $"{result.Ok} answers");
        Assert.Equal(result, HttpLoadClient.Result.Parse(result.Format()));
    }

    [Fact]
    public async Task Run_ServerAnswersNot200_CountedAsFailures()
    {
        // A server that answers every request 503 with a sized body; the client opens a new connection after each failure.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var connections = new List<Task>();
        var server = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var socket = await listener.AcceptSocketAsync(stop.Token);
                    connections.Add(AnswerAsync(socket, stop.Token));
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        var result = await HttpLoadClient.RunAsync((IPEndPoint)listener.LocalEndpoint, "bench.test", 1, TimeSpan.Zero, TimeSpan.FromMilliseconds(200), () => { }, CancellationToken.None);
        await stop.CancelAsync();
        await server;
        await Task.WhenAll(connections);

        Assert.Equal(0, result.Ok);
        Assert.True(result.Failed > 0);
        Assert.Equal("HTTP 503", result.FirstError);
    }

    private static async Task AnswerAsync(Socket socket, CancellationToken cancellationToken)
    {
        using (socket)
        {
            var buffer = new byte[4096];
            var answer = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nnope"u8.ToArray();
            try
            {
                while (await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken) > 0)
                {
                    await socket.SendAsync(answer, SocketFlags.None, cancellationToken);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                // The test is over, or the client dropped the connection after the failure.
            }
        }
    }
}

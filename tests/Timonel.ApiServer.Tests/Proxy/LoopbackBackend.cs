using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Timonel.ApiServer.Tests.Proxy;

/// <summary>
/// A plain HTTP server on a free loopback port standing in for a pod behind the proxy
/// subresources. It counts the connections it accepts, echoes what reached it (method, path,
/// query, whether credentials came through, X-Forwarded-Uri), redirects, streams a body in two
/// parts (the second only once the test releases it), echoes WebSocket messages.
/// </summary>
internal sealed class LoopbackBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _connections;

    private LoopbackBackend(WebApplication app) => _app = app;

    /// <summary>The HTML /page serves: links of every kind the proxy must, or must not, rewrite.</summary>
    public const string Page = """<!DOCTYPE html><html><body><a href="/abs?a=1&amp;b=2">x</a> <A HREF='rel/x'>r</A> <img src=/img.png alt="/not-a-link"><a href="http://example.invalid/x">o</a><!-- <a href="/comment"> --><script>var s = "<a href='/in-script'>";</script></body></html>""";

    public int Port { get; private set; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Completed by the test to let /stream send its second part.</summary>
    public TaskCompletionSource ReleaseStream { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<LoopbackBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        LoopbackBackend? backend = null;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => connection =>
        {
            Interlocked.Increment(ref backend!._connections);
            return next(connection);
        })));
        var app = builder.Build();
        backend = new LoopbackBackend(app);
        app.UseWebSockets();
        app.Run(backend.ServeAsync);
        await app.StartAsync();
        backend.Port = new Uri(app.Urls.First()).Port;
        return backend;
    }

    private async Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        switch (request.Path.Value)
        {
            case "/redirect":
                context.Response.StatusCode = 302;
                context.Response.Headers.Location = "/landing";
                return;
            case "/redirect-absolute":
                context.Response.StatusCode = 302;
                context.Response.Headers.Location = $"http://127.0.0.1:{Port}/landing?x=1";
                return;
            case "/redirect-elsewhere":
                context.Response.StatusCode = 302;
                context.Response.Headers.Location = "http://example.invalid/landing";
                return;
            case "/page" or "/page-gzip":
            {
                context.Response.ContentType = "text/html; charset=utf-8";
                var page = Encoding.UTF8.GetBytes(Page);
                if (request.Path.Value == "/page-gzip")
                {
                    context.Response.Headers.ContentEncoding = "gzip";
                    using var compressed = new MemoryStream();
                    using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest))
                    {
                        gzip.Write(page);
                    }

                    page = compressed.ToArray();
                }

                await context.Response.Body.WriteAsync(page);
                return;
            }

            case "/stream":
                await context.Response.WriteAsync("first\n");
                await context.Response.Body.FlushAsync();
                await ReleaseStream.Task.WaitAsync(TimeSpan.FromSeconds(30));
                await context.Response.WriteAsync("second\n");
                return;
            case "/ws" when context.WebSockets.IsWebSocketRequest:
                using (var socket = await context.WebSockets.AcceptWebSocketAsync())
                {
                    var buffer = new byte[1024];
                    var got = await socket.ReceiveAsync(buffer, CancellationToken.None);
                    await socket.SendAsync(buffer.AsMemory(0, got.Count), WebSocketMessageType.Text, true, CancellationToken.None);
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
                }

                return;
        }

        long bodyLength = 0;
        var chunk = new byte[64 * 1024];
        int n;
        while ((n = await request.Body.ReadAsync(chunk)) > 0)
        {
            bodyLength += n;
        }

        context.Response.Headers["Access-Control-Allow-Origin"] = "*";
        context.Response.Headers["X-Backend"] = "loopback";
        context.Response.ContentType = "text/plain";
        var text = new StringBuilder()
            .Append("method=").Append(request.Method).Append('\n')
            .Append("path=").Append(request.Path.Value).Append('\n')
            .Append("query=").Append(request.QueryString.Value).Append('\n')
            .Append("authorization=").Append(request.Headers.Authorization.Count > 0 ? "present" : "absent").Append('\n')
            .Append("impersonate=").Append(request.Headers.Keys.Any(k => k.StartsWith("Impersonate-", StringComparison.OrdinalIgnoreCase)) ? "present" : "absent").Append('\n')
            .Append("forwarded-uri=").Append(request.Headers["X-Forwarded-Uri"].ToString()).Append('\n')
            .Append("body=").Append(bodyLength).Append('\n');
        await context.Response.WriteAsync(text.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseStream.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

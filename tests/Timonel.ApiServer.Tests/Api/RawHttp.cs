using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>The answer to a hand-written request: status code, headers (lower-case names) and body text.</summary>
internal sealed record RawResponse(int Code, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonObject? Json => Body.Length > 0 && Body.TrimStart().StartsWith('{') ? JsonNode.Parse(Body) as JsonObject : null;
}

/// <summary>
/// One HTTP/1.1 connection over TLS to the test server, for bytes HttpClient will not send:
/// a bad chunk size, a body shorter than its Content-Length, a body that stalls.
/// </summary>
internal sealed class RawHttp : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly SslStream _tls;

    private RawHttp(TcpClient tcp, SslStream tls)
    {
        _tcp = tcp;
        _tls = tls;
    }

    public static async Task<RawHttp> ConnectAsync(ApiServerFixture fx)
    {
        var url = new Uri(fx.Host.Url);
        var tcp = new TcpClient();
        await tcp.ConnectAsync(url.Host, url.Port);

        // Loopback to the fixture's own server: its certificate is not what these tests check.
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", ApplicationProtocols = [SslApplicationProtocol.Http11] });
        return new RawHttp(tcp, tls);
    }

    /// <summary>The request line and headers (with the admin token), ended by the blank line.</summary>
    public static string Head(ApiServerFixture fx, string method, string path, params string[] headers) =>
        $"{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {fx.Host.Pki.AdminToken}\r\n" + string.Concat(headers.Select(h => h + "\r\n")) + "\r\n";

    /// <summary>Sends bytes; false when the server already closed the connection (it may answer before reading everything).</summary>
    public async Task<bool> SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task<bool> SendAsync(byte[] bytes)
    {
        try
        {
            await _tls.WriteAsync(bytes);
            await _tls.FlushAsync();
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Ends the client's side (TLS close_notify), keeping the connection open to read the answer.</summary>
    public async Task CloseWriteAsync()
    {
        try
        {
            await _tls.ShutdownAsync();
        }
        catch (IOException)
        {
            // Already closed by the server.
        }
    }

    /// <summary>Reads one response; null if the server closed the connection without answering.</summary>
    public async Task<RawResponse?> ReadAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                if (TryParse(received.ToArray(), out var response, complete: false))
                {
                    return response;
                }

                var n = await _tls.ReadAsync(buffer, cts.Token);
                if (n == 0)
                {
                    break;
                }

                received.Write(buffer, 0, n);
            }
        }
        catch (IOException)
        {
            // The server reset the connection: parse what arrived.
        }

        return TryParse(received.ToArray(), out var last, complete: true) ? last : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _tls.DisposeAsync();
        _tcp.Dispose();
    }

    private static bool TryParse(byte[] data, out RawResponse? response, bool complete)
    {
        response = null;
        var text = Encoding.UTF8.GetString(data);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var lines = text[..end].Split("\r\n");
        var code = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }

        var rest = text[(end + 4)..];
        string? body;
        if (headers.TryGetValue("content-length", out var length))
        {
            var n = int.Parse(length, CultureInfo.InvariantCulture);
            body = rest.Length >= n ? rest[..n] : null;
        }
        else if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(rest);
        }
        else
        {
            body = complete ? rest : null;
        }

        if (body is null && !complete)
        {
            return false;
        }

        response = new RawResponse(code, headers, body ?? rest);
        return true;
    }

    private static string? Dechunk(string rest)
    {
        var body = new StringBuilder();
        var at = 0;
        while (true)
        {
            var eol = rest.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (eol < 0)
            {
                return null;
            }

            var size = int.Parse(rest[at..eol], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                return body.ToString();
            }

            if (eol + 2 + size > rest.Length)
            {
                return null;
            }

            body.Append(rest, eol + 2, size);
            at = eol + 2 + size + 2;
        }
    }
}

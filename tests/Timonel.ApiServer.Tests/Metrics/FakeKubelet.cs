using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Timonel.ApiServer.Tests.Metrics;

/// <summary>
/// A kubelet stand-in on 127.0.0.1 over HTTPS (self-signed, as kubelets serve) that answers
/// GET /metrics/resource with <see cref="Body"/>, which the test sets between scrapes, and
/// counts the requests it answered. One request per connection, as the API server's kubelet
/// client does not pool.
/// </summary>
internal sealed class FakeKubelet : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _requests;

    public FakeKubelet(string body)
    {
        Body = body;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=fake-kubelet", key, HashAlgorithmName.SHA256);
        using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        _certificate = X509CertificateLoader.LoadPkcs12(selfSigned.Export(X509ContentType.Pkcs12), null);
        _listener.Start();
        _accepting = AcceptAsync(_stop.Token);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>What /metrics/resource answers next.</summary>
    public volatile string Body;

    /// <summary>Paths requested, in order.</summary>
    public List<string> Paths { get; } = [];

    public int Requests => Volatile.Read(ref _requests);

    private async Task AcceptAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client, ct);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken ct)
    {
        using (client)
        {
            try
            {
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, ct);
                var head = new StringBuilder();
                var buffer = new byte[1];
                while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await tls.ReadAsync(buffer, ct) == 1)
                {
                    head.Append((char)buffer[0]);
                }

                var path = head.ToString().Split(' ') is [_, var p, ..] ? p : "";
                lock (Paths)
                {
                    Paths.Add(path);
                }

                var body = path == "/metrics/resource" ? Body : "not found";
                var bytes = Encoding.UTF8.GetBytes(body);
                var status = path == "/metrics/resource" ? "200 OK" : "404 Not Found";
                await tls.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"), ct);
                await tls.WriteAsync(bytes, ct);
                await tls.FlushAsync(ct);
                Interlocked.Increment(ref _requests);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
                // The client went away: nothing to answer.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _certificate.Dispose();
        _stop.Dispose();
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.Cli.Bench;

/// <summary>
/// The benchmark's HTTP client: SocketsHttpHandler over TLS, trusting only the cluster's server
/// CA, with the admin bearer token. HTTP/1.1 opens a connection per request in flight (one per
/// worker); HTTP/2 multiplexes, opening further connections past the server's stream limit.
/// </summary>
internal static class BenchHttp
{
    /// <summary>With <paramref name="clientCertificate"/>, the client authenticates with it instead of the admin token.</summary>
    public static HttpClient Create(BenchTarget target, string httpVersion, TimeSpan timeout, X509Certificate2? clientCertificate = null)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(target.CaFile);
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = int.MaxValue,
            EnableMultipleHttp2Connections = true,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => ChainsTo(ca, certificate, errors),
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            },
        };
        var client = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = target.Url,
            Timeout = timeout,
            DefaultRequestVersion = httpVersion == "2" ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (clientCertificate is null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", target.Token);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>Accepts the server certificate only if it names the host and chains to <paramref name="ca"/>.</summary>
    private static bool ChainsTo(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}

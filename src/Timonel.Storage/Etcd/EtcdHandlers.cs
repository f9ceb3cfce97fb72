using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.Storage.Etcd;

/// <summary>Builds the HTTP/2 handler for one member: dial timeout, keepalive pings, and TLS from PEM files.</summary>
internal static class EtcdHandlers
{
    public static SocketsHttpHandler Create(EtcdStoreOptions options, X509Certificate2Collection? trustedRoots, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.DialTimeout,
            EnableMultipleHttp2Connections = true,
            // Pings find a member that vanished without closing the connection (kill -9 of a
            // host, a network partition), so watches reconnect instead of waiting forever.
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        if (trustedRoots is null && clientCertificate is null)
        {
            return handler;
        }

        var ssl = new SslClientAuthenticationOptions();
        if (clientCertificate is not null)
        {
            ssl.ClientCertificates = [clientCertificate];
        }

        if (trustedRoots is not null)
        {
            ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) => Validate(certificate, errors, trustedRoots);
        }

        handler.SslOptions = ssl;
        return handler;
    }

    /// <summary>Loads the CA bundle and client key pair named by the options (null where not set).</summary>
    public static (X509Certificate2Collection? Roots, X509Certificate2? Client) LoadTls(EtcdStoreOptions options)
    {
        X509Certificate2Collection? roots = null;
        if (options.CaFile is not null)
        {
            roots = [];
            roots.ImportFromPemFile(options.CaFile);
            if (roots.Count == 0)
            {
                throw new ArgumentException($"etcd CA file \"{options.CaFile}\" holds no PEM certificate");
            }
        }

        X509Certificate2? client = null;
        if (options.CertFile is not null && options.KeyFile is not null)
        {
            using var pem = X509Certificate2.CreateFromPemFile(options.CertFile, options.KeyFile);
            // Re-import so the key is usable by SslStream on every platform.
            client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }

        return (roots, client);
    }

    private static bool Validate(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}

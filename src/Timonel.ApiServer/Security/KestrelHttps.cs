using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Timonel.ApiServer.Security;

/// <summary>
/// The ASP.NET Core glue: an HTTPS-only Kestrel endpoint with the cluster's serving certificate
/// that asks for, but neither requires nor verifies, a client certificate, as kube-apiserver does
/// (Go's tls.RequestClientCert): the handshake takes any certificate, and the
/// <see cref="Authenticator"/> verifies it per request, so a certificate from another CA, an
/// expired one or one without the client-auth usage is a 401 unless a valid bearer token came with it.
/// </summary>
/// <remarks>
/// The TLS options, with the serving certificate's context, are built once per PKI and handed to
/// every handshake. Kestrel's own certificate selector checks the certificate's key usages on each
/// connection, and .NET decodes those lazily on the shared certificate without a lock: under
/// concurrent first handshakes one of them could read a half-decoded list, refuse its own
/// certificate and close the connection (clients saw "unexpected EOF" during the handshake).
/// </remarks>
public static class KestrelHttps
{
    public static void ConfigureHttps(KestrelServerOptions options, ClusterPki pki, int port, IPAddress bind, ClientCertificateValidator? validator = null)
    {
        ArgumentNullException.ThrowIfNull(pki);
        var serverOptions = ServerOptions(pki, validator ?? new ClientCertificateValidator(pki.ClientCa));
        ConfigureHttps(options, () => serverOptions, port, bind);
    }

    /// <summary>
    /// The same endpoint, with its TLS options resolved per connection: lets the web host be built
    /// before the cluster PKI has been loaded (start-up builds both in parallel). Connections
    /// arrive only after the host starts, by which time <paramref name="serverOptions"/> must answer.
    /// </summary>
    public static void ConfigureHttps(KestrelServerOptions options, Func<SslServerAuthenticationOptions> serverOptions, int port, IPAddress bind)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(serverOptions);
        options.Listen(bind, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = _ => ValueTask.FromResult(serverOptions()),
            });
        });
    }

    /// <summary>
    /// What every handshake uses: the serving certificate (its key usages checked here, once),
    /// TLS 1.2 and 1.3, HTTP/2 and HTTP/1.1 by ALPN, and a client certificate asked for but
    /// never required or judged by the handshake.
    /// </summary>
    /// <exception cref="InvalidOperationException">The serving certificate may not authenticate a server.</exception>
    public static SslServerAuthenticationOptions ServerOptions(ClusterPki pki, ClientCertificateValidator validator)
    {
        ArgumentNullException.ThrowIfNull(pki);
        ArgumentNullException.ThrowIfNull(validator);
        var serving = pki.ServingCertificate;
        if (!AllowsServerAuth(serving))
        {
            throw new InvalidOperationException($"the serving certificate {serving.Thumbprint} lacks the server-authentication usage");
        }

        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(serving, additionalCertificates: null, offline: true),
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
            ClientCertificateRequired = true,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => Accept(validator, certificate),
        };
    }

    /// <summary>Authenticates an HTTP request from its connection's client certificate and Authorization header.</summary>
    public static ValueTask<UserInfo?> AuthenticateAsync(this Authenticator authenticator, HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString() is { Length: > 0 } value ? value : null;
        if (Authenticator.HasSpaceBeforeToken(header))
        {
            context.Response.Headers.Append("Warning", $"299 - \"{Authenticator.ExtraSpaceWarning}\"");
        }

        if (context.Connection.ClientCertificate is null && Authenticator.BearerToken(header) is null && AnonymousEndpoints.Allows(context.Request.Path.Value))
        {
            return new ValueTask<UserInfo?>(UserInfo.Anonymous);
        }

        return authenticator.AuthenticateAsync(context.Connection.ClientCertificate, header, context.RequestAborted);
    }

    // Every certificate passes the handshake, and so does none: the platform's verdict is about
    // the system trust store, which does not hold our client CA, and ours is the authenticator's,
    // per request. Validating here anyway caches a good certificate's user for the connection's requests.
    private static bool Accept(ClientCertificateValidator validator, X509Certificate? certificate)
    {
        if (certificate is X509Certificate2 presented)
        {
            validator.Validate(presented);
        }

        return true;
    }

    private static bool AllowsServerAuth(X509Certificate2 certificate)
    {
        const string ServerAuth = "1.3.6.1.5.5.7.3.1";
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().ToList();
        return usages.Count == 0 || usages.Any(u => u.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == ServerAuth));
    }
}

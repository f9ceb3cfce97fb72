using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Security.Authentication;
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
public static class KestrelHttps
{
    public static void ConfigureHttps(KestrelServerOptions options, ClusterPki pki, int port, IPAddress bind, ClientCertificateValidator? validator = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pki);
        validator ??= new ClientCertificateValidator(pki.ClientCa);
        options.Listen(bind, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(https =>
            {
                https.ServerCertificate = pki.ServingCertificate;
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.CheckCertificateRevocation = false;
                https.ClientCertificateValidation = (certificate, _, _) => Accept(validator, certificate);
            });
        });
    }

    /// <summary>
    /// The same endpoint, with certificates resolved per connection: lets the web host be built
    /// before the cluster PKI has been loaded (start-up builds both in parallel). Connections
    /// arrive only after the host starts, by which time <paramref name="pki"/> must answer.
    /// </summary>
    public static void ConfigureHttps(KestrelServerOptions options, Func<ClusterPki> pki, Func<ClientCertificateValidator> validator, int port, IPAddress bind)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Listen(bind, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(https =>
            {
                https.ServerCertificateSelector = (_, _) => pki().ServingCertificate;
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.CheckCertificateRevocation = false;
                https.ClientCertificateValidation = (certificate, _, _) => Accept(validator(), certificate);
            });
        });
    }

    /// <summary>Authenticates an HTTP request from its connection's client certificate and Authorization header.</summary>
    public static ValueTask<UserInfo?> AuthenticateAsync(this Authenticator authenticator, HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString() is { Length: > 0 } value ? value : null;
        if (Authenticator.HasSpaceBeforeToken(header))
        {
            context.Response.Headers.Append("Warning", $"299 - \"{Authenticator.ExtraSpaceWarning}\"");
        }

        return authenticator.AuthenticateAsync(context.Connection.ClientCertificate, header, context.RequestAborted);
    }

    // Every certificate passes the handshake: the platform's verdict is about the system trust
    // store, which does not hold our client CA, and ours is the authenticator's, per request.
    // Validating here anyway caches a good certificate's user for the connection's requests.
    private static bool Accept(ClientCertificateValidator validator, X509Certificate2 certificate)
    {
        validator.Validate(certificate);
        return true;
    }
}

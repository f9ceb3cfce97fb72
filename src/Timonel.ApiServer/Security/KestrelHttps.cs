using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Timonel.ApiServer.Security;

/// <summary>
/// The ASP.NET Core glue: an HTTPS-only Kestrel endpoint with the cluster's serving certificate
/// that asks for, but does not require, a client certificate (bearer tokens must still work);
/// a certificate that is sent must chain to the client CA or the handshake fails, as with Go's
/// VerifyClientCertIfGiven.
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
                // The platform's verdict (sslPolicyErrors) is about the system trust store, which
                // does not hold our client CA; our own validation is the one that counts.
                https.ClientCertificateValidation = (certificate, _, _) => validator.Validate(certificate) is not null;
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
                https.ClientCertificateValidation = (certificate, _, _) => validator().Validate(certificate) is not null;
            });
        });
    }

    /// <summary>Authenticates an HTTP request from its connection's client certificate and Authorization header.</summary>
    public static ValueTask<UserInfo?> AuthenticateAsync(this Authenticator authenticator, HttpContext context) =>
        authenticator.AuthenticateAsync(context.Connection.ClientCertificate, context.Request.Headers.Authorization.ToString() is { Length: > 0 } header ? header : null, context.RequestAborted);
}

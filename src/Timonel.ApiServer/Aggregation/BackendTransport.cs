using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.Streaming;

namespace Timonel.ApiServer.Aggregation;

/// <summary>
/// Connections to extension API servers: HTTPS to the endpoint the request was resolved to,
/// checking the backend's certificate against the APIService's caBundle for the name
/// SERVICE.NAMESPACE.svc (or not at all with insecureSkipTLSVerify), and presenting the
/// front-proxy client certificate (common name front-proxy-client, issued by the front-proxy CA),
/// as upstream's aggregator does. Every address passes the dial filter first. A connection
/// carries one request, so that headers with several values can go out as several lines
/// (<see cref="RepeatedHeaderStream"/>).
/// </summary>
internal sealed class BackendTransport : IDisposable
{
    private static readonly HttpRequestOptionsKey<(string Host, int Port)> TargetKey = new("timonel.aggregator.target");

    private readonly X509Certificate2 _clientCertificate;
    private readonly Func<IPAddress, bool>? _dialFilter;
    private readonly ConcurrentDictionary<(ServiceReference Service, string CaBundle, bool Insecure), HttpMessageInvoker> _invokers = new();

    public BackendTransport(ClusterPki pki, DateTimeOffset now, Func<IPAddress, bool>? dialFilter)
    {
        ArgumentNullException.ThrowIfNull(pki);
        using var issued = CertificateIssuer.IssueClient(pki.FrontProxyCa, Registry.AuthenticationConfigMap.FrontProxyClientName, [], now, TimeSpan.FromDays(365));
        // Round-trip through PKCS#12 so the key is usable for TLS client authentication.
        _clientCertificate = X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12), null);
        _dialFilter = dialFilter;
    }

    /// <summary>The URL prefix requests to <paramref name="route"/>'s backend are sent to (the connection goes to the resolved endpoint).</summary>
    public static string DestinationPrefix(ServiceReference service) => $"http://{service.ServerName}:{service.Port}";

    /// <summary>Marks a request to be dialled to <paramref name="target"/>.</summary>
    public static void Target(HttpRequestMessage request, (string Host, int Port) target) => request.Options.Set(TargetKey, target);

    public HttpMessageInvoker For(ApiServiceRoute route)
    {
        var service = route.Service ?? throw new InvalidOperationException($"APIService {route.Name} is local");
        return _invokers.GetOrAdd((service, route.CaBundle, route.InsecureSkipTlsVerify), key => Create(key.Service, key.CaBundle, key.Insecure));
    }

    private HttpMessageInvoker Create(ServiceReference service, string caBundle, bool insecure)
    {
        var roots = new X509Certificate2Collection();
        if (caBundle.Length > 0)
        {
            roots.ImportFromPem(caBundle);
        }

        return new HttpMessageInvoker(ProxyingHandler.Create(async (context, ct) =>
        {
            if (!context.InitialRequestMessage.Options.TryGetValue(TargetKey, out var target))
            {
                throw new HttpRequestException($"no endpoint was resolved for service/{service.Name} in \"{service.Namespace}\"");
            }

            var stream = await FilteredDialer.ConnectAsync(target.Host, null, target.Port, _dialFilter, ct).ConfigureAwait(false);
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            try
            {
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = service.ServerName,
                    ClientCertificates = [_clientCertificate],
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                    RemoteCertificateValidationCallback = (_, certificate, _, errors) => insecure || CaBundleTrust.Trusted(certificate, errors, roots.Count == 0 ? null : roots),
                }, ct).ConfigureAwait(false);
            }
            catch
            {
                await tls.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            return new RepeatedHeaderStream(tls);
        }));
    }

    public void Dispose()
    {
        foreach (var invoker in _invokers.Values)
        {
            invoker.Dispose();
        }

        _clientCertificate.Dispose();
    }
}

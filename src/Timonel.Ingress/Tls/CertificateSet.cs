using System.Net.Security;
using Timonel.Ingress.Routing;

namespace Timonel.Ingress.Tls;

/// <summary>
/// The server certificates by host, immutable (swapped whole, so rotation takes effect at the next
/// handshake while open connections keep theirs). SNI picks an exact host, then a wildcard host,
/// then the default certificate (a self-signed one, as ingress-nginx's "fake certificate"). Each
/// is a certificate context: the leaf with its key and the intermediates of the Secret's
/// tls.crt, which the handshake sends along.
/// </summary>
public sealed class CertificateSet(IReadOnlyDictionary<string, SslStreamCertificateContext> byHost, SslStreamCertificateContext fallback)
{
    public SslStreamCertificateContext Fallback { get; } = fallback;

    public IReadOnlyDictionary<string, SslStreamCertificateContext> ByHost { get; } = byHost;

    public SslStreamCertificateContext Select(string? serverName)
    {
        if (string.IsNullOrEmpty(serverName))
        {
            return Fallback;
        }

        var host = RouteTable.NormalizeHost(serverName);
        if (ByHost.TryGetValue(host, out var exact))
        {
            return exact;
        }

        var dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && ByHost.TryGetValue(string.Concat("*", host.AsSpan(dot)), out var wildcard) ? wildcard : Fallback;
    }
}

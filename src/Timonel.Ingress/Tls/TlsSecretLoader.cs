using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Timonel.Ingress.Routing;

namespace Timonel.Ingress.Tls;

/// <summary>
/// Loads the certificates the Ingresses' tls sections name from their kubernetes.io/tls Secrets.
/// A parsed certificate is kept per Secret and resourceVersion, so a rebuild reparses only the
/// Secrets that changed (a rotation is a new resourceVersion). One loader per controller; not
/// thread-safe (the controller builds on one loop).
/// </summary>
public sealed class TlsSecretLoader(SslStreamCertificateContext fallback)
{
    private Dictionary<string, (string? Version, SslStreamCertificateContext? Certificate, string? Problem)> _parsed = new(StringComparer.Ordinal);

    /// <summary>The certificates by host (oldest Ingress first wins a host) and, per Ingress, what is wrong with its Secrets.</summary>
    public (CertificateSet Certificates, Dictionary<string, List<string>> Problems) Load(IEnumerable<V1Ingress> ingresses, Func<string, string, V1Secret?> getSecret) =>
        Load(ingresses, [], getSecret);

    /// <summary>
    /// As <see cref="Load(IEnumerable{V1Ingress}, Func{string, string, V1Secret?})"/>, then the
    /// certificates <paramref name="others"/> ask for (Gateway listeners), for hosts no Ingress took.
    /// </summary>
    public (CertificateSet Certificates, Dictionary<string, List<string>> Problems) Load(IEnumerable<V1Ingress> ingresses, IEnumerable<TlsCertificateRequest> others, Func<string, string, V1Secret?> getSecret)
    {
        ArgumentNullException.ThrowIfNull(ingresses);
        ArgumentNullException.ThrowIfNull(others);
        ArgumentNullException.ThrowIfNull(getSecret);
        var requests = ingresses
            .OrderBy(i => i.Metadata?.CreationTimestamp ?? DateTime.MaxValue)
            .ThenBy(RouteTableBuilder.Key, StringComparer.Ordinal)
            .SelectMany(i => (i.Spec?.Tls ?? [])
                .Where(t => !string.IsNullOrEmpty(t.SecretName))
                .Select(t => new TlsCertificateRequest(RouteTableBuilder.Key(i), i.Metadata?.NamespaceProperty ?? "default", t.SecretName, [.. t.Hosts ?? []])))
            .Concat(others);
        var byHost = new Dictionary<string, SslStreamCertificateContext>(StringComparer.Ordinal);
        var problems = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var parsed = new Dictionary<string, (string?, SslStreamCertificateContext?, string?)>(StringComparer.Ordinal);
        foreach (var request in requests)
        {
            var key = $"{request.Namespace}/{request.SecretName}";
            var secret = getSecret(request.Namespace, request.SecretName);
            var version = secret?.Metadata?.ResourceVersion;
            if (!parsed.TryGetValue(key, out var entry))
            {
                entry = _parsed.TryGetValue(key, out var old) && secret is not null && old.Version == version ? old : Parse(key, secret);
                parsed[key] = entry;
            }

            if (entry.Item3 is { } problem)
            {
                var list = problems.TryGetValue(request.Owner, out var l) ? l : problems[request.Owner] = [];
                if (!list.Contains(problem))
                {
                    list.Add(problem);
                }

                continue;
            }

            foreach (var host in request.Hosts)
            {
                byHost.TryAdd(host.ToLowerInvariant(), entry.Item2!);
            }
        }

        _parsed = parsed;
        return (new CertificateSet(byHost, fallback), problems);
    }

    private static (string?, SslStreamCertificateContext?, string?) Parse(string key, V1Secret? secret)
    {
        if (secret is null)
        {
            return (null, null, $"secret {key} not found");
        }

        var version = secret.Metadata?.ResourceVersion;
        if (secret.Data is not { } data || !data.TryGetValue("tls.crt", out var crt) || !data.TryGetValue("tls.key", out var keyPem))
        {
            return (version, null, $"secret {key} has no tls.crt and tls.key (want a Secret of type kubernetes.io/tls)");
        }

        try
        {
            var pem = Encoding.UTF8.GetString(crt);
            // The leaf is the first certificate of tls.crt; the rest are intermediates the handshake sends.
            using var loaded = X509Certificate2.CreateFromPem(pem, Encoding.UTF8.GetString(keyPem));
            var chain = new X509Certificate2Collection();
            chain.ImportFromPem(pem);
            if (chain.Count > 0)
            {
                chain.RemoveAt(0);
            }

            return (version, Context(loaded, chain), null);
        }
        catch (CryptographicException e)
        {
            return (version, null, $"secret {key} holds no usable certificate and key: {e.Message}");
        }
        catch (ArgumentException e)
        {
            return (version, null, $"secret {key} holds no usable certificate and key: {e.Message}");
        }
    }

    /// <summary>A self-signed certificate for handshakes whose SNI names no configured host.</summary>
    public static SslStreamCertificateContext CreateFallback(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Timonel Ingress Default Certificate", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("ingress.local");
        request.CertificateExtensions.Add(san.Build());
        var now = time.GetUtcNow();
        using var cert = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        return Context(cert, []);
    }

    /// <summary>
    /// Re-imported as PKCS#12 (SslStream on Linux wants a key that is not ephemeral-only); offline,
    /// so building the context never fetches anything.
    /// </summary>
    private static SslStreamCertificateContext Context(X509Certificate2 leaf, X509Certificate2Collection intermediates) =>
        SslStreamCertificateContext.Create(X509CertificateLoader.LoadPkcs12(leaf.Export(X509ContentType.Pkcs12), null), intermediates, offline: true);
}

using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Autorest;

namespace Timonel.Kubelet.Server;

/// <summary>
/// Authenticates client certificates of callers of the kubelet's server: a certificate issued by
/// the cluster's client CA (for client authentication) names the user (common name) and its
/// groups (organizations), as upstream's x509 authenticator reads it; the API server's own
/// (common name <see cref="ApiServerCommonName"/>) is trusted for every path without a review.
/// The CA comes from the options or, as upstream publishes it, from the ConfigMap
/// kube-system/extension-apiserver-authentication (key client-ca-file), read once it exists.
/// </summary>
public sealed class CallerAuthenticator
{
    /// <summary>The common name of the certificate the API server presents to kubelets (upstream's kube-apiserver-kubelet-client).</summary>
    public const string ApiServerCommonName = "kube-apiserver-kubelet-client";

    public const string ConfigMapNamespace = "kube-system";
    public const string ConfigMapName = "extension-apiserver-authentication";
    public const string ConfigMapKey = "client-ca-file";

    private readonly IKubernetes? _client;
    private readonly SemaphoreSlim _loading = new(1, 1);
    private X509Certificate2Collection? _authorities;

    public CallerAuthenticator(string? clientCaPem, IKubernetes? client)
    {
        _client = client;
        if (clientCaPem is not null)
        {
            _authorities = Parse(clientCaPem);
        }
    }

    /// <summary>True when the certificate chains to the client CA and names the API server.</summary>
    public async Task<bool> IsApiServerAsync(X509Certificate2? certificate, CancellationToken cancellationToken) =>
        (await AuthenticateAsync(certificate, cancellationToken).ConfigureAwait(false))?.IsApiServer == true;

    /// <summary>The user a certificate of the client CA names; null when there is none or it does not chain to the CA.</summary>
    public async Task<KubeletCaller?> AuthenticateAsync(X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        if (certificate is null)
        {
            return null;
        }

        var authorities = await AuthoritiesAsync(cancellationToken).ConfigureAwait(false);
        if (authorities is null || authorities.Count == 0)
        {
            return null;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        if (!chain.Build(certificate))
        {
            return null;
        }

        var user = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (string.IsNullOrEmpty(user))
        {
            return null;
        }

        return new KubeletCaller(user, Organizations(certificate.SubjectName), user == ApiServerCommonName);
    }

    private static List<string> Organizations(X500DistinguishedName subject) =>
        [.. subject.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == "2.5.4.10")
            .Select(rdn => rdn.GetSingleElementValue())
            .OfType<string>()];

    private async Task<X509Certificate2Collection?> AuthoritiesAsync(CancellationToken cancellationToken)
    {
        if (_authorities is not null || _client is null)
        {
            return _authorities;
        }

        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_authorities is null)
            {
                var map = await _client.CoreV1.ReadNamespacedConfigMapAsync(ConfigMapName, ConfigMapNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (map.Data?.TryGetValue(ConfigMapKey, out var pem) == true)
                {
                    _authorities = Parse(pem);
                }
            }
        }
        catch (HttpOperationException)
        {
            // Not published (yet): every caller is refused until it is.
        }
        catch (HttpRequestException)
        {
            // The API server is unreachable: refuse now, ask again on the next call.
        }
        finally
        {
            _loading.Release();
        }

        return _authorities;
    }

    private static X509Certificate2Collection Parse(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return collection;
    }
}

using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Autorest;

namespace Timonel.Kubelet.Server;

/// <summary>
/// Decides who may call the kubelet's server: only a client certificate issued by the
/// cluster's client CA to the API server (common name <see cref="ApiServerCommonName"/>).
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
    public async Task<bool> IsApiServerAsync(X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        if (certificate is null)
        {
            return false;
        }

        var authorities = await AuthoritiesAsync(cancellationToken).ConfigureAwait(false);
        if (authorities is null || authorities.Count == 0)
        {
            return false;
        }

        if (certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false) != ApiServerCommonName)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(certificate);
    }

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

using System.Security.Cryptography.X509Certificates;

namespace Timonel.Controllers.Certificates;

/// <summary>
/// The CAs (with their private keys) csrsigning signs from, as kube-controller-manager's
/// --cluster-signing-*-file flags: client certificates from the CA the API server trusts for
/// client auth, kubelet serving certificates from the CA the API server's own serving
/// certificate chains to. The server owns and disposes them.
/// </summary>
/// <param name="ClientCa">Signs kubernetes.io/kube-apiserver-client and kube-apiserver-client-kubelet.</param>
/// <param name="ServingCa">Signs kubernetes.io/kubelet-serving.</param>
public sealed record CsrSigningAuthorities(X509Certificate2 ClientCa, X509Certificate2 ServingCa)
{
    /// <summary>The CA for <paramref name="signerName"/>, or null when csrsigning does not serve that signer.</summary>
    public X509Certificate2? For(string? signerName) => signerName switch
    {
        CsrSigners.KubeApiServerClient or CsrSigners.KubeApiServerClientKubelet => ClientCa,
        CsrSigners.KubeletServing => ServingCa,
        _ => null,
    };
}

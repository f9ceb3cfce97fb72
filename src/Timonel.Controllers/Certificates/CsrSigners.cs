namespace Timonel.Controllers.Certificates;

/// <summary>The well-known signer names and key usages of certificates.k8s.io/v1.</summary>
public static class CsrSigners
{
    public const string KubeApiServerClient = "kubernetes.io/kube-apiserver-client";
    public const string KubeApiServerClientKubelet = "kubernetes.io/kube-apiserver-client-kubelet";
    public const string KubeletServing = "kubernetes.io/kubelet-serving";

    public const string DigitalSignature = "digital signature";
    public const string KeyEncipherment = "key encipherment";
    public const string ClientAuth = "client auth";
    public const string ServerAuth = "server auth";

    public const string NodesGroup = "system:nodes";
    public const string NodeUserPrefix = "system:node:";
}

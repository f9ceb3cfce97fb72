using static Timonel.ApiServer.Registry.Rbac.Rules;

namespace Timonel.ApiServer.Registry.Rbac;

/// <summary>Upstream 1.33's system:certificates.k8s.io:* ClusterRoles: requesting node client certificates, and approving for each built-in signer.</summary>
internal static class CertificateRoles
{
    private const string Prefix = "system:certificates.k8s.io:";

    public static IEnumerable<RoleDefinition> All()
    {
        yield return new RoleDefinition(Prefix + "certificatesigningrequests:nodeclient",
            Rule("create").Groups(Certificates).Resources("certificatesigningrequests/nodeclient"));
        yield return new RoleDefinition(Prefix + "certificatesigningrequests:selfnodeclient",
            Rule("create").Groups(Certificates).Resources("certificatesigningrequests/selfnodeclient"));
        yield return Approver("kube-apiserver-client-approver", "kubernetes.io/kube-apiserver-client");
        yield return Approver("kube-apiserver-client-kubelet-approver", "kubernetes.io/kube-apiserver-client-kubelet");
        yield return Approver("kubelet-serving-approver", "kubernetes.io/kubelet-serving");
        yield return Approver("legacy-unknown-approver", "kubernetes.io/legacy-unknown");
    }

    private static RoleDefinition Approver(string name, string signer) =>
        new(Prefix + name, Rule("approve").Groups(Certificates).Resources("signers").Names(signer));
}

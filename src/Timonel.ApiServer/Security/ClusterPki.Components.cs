using System.Security.Cryptography.X509Certificates;

namespace Timonel.ApiServer.Security;

public sealed partial class ClusterPki
{
    /// <summary>
    /// A kubeconfig (YAML, in memory only) for one of the server's own components: a client
    /// certificate for <paramref name="user"/>, no groups, issued now from the client CA and
    /// valid as long as the admin's. Issued afresh at every start and never written to disk,
    /// so there is no file to protect or rotate; a restart renews it.
    /// </summary>
    public string ComponentKubeconfig(string serverUrl, string user, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        using var issued = CertificateIssuer.IssueClient(ClientCa, user, [], now, LeafValidity);
        using var key = issued.GetECDsaPrivateKey() ?? throw new InvalidOperationException("an issued client certificate has no ECDSA key");
        return KubeconfigWriter.Render(serverUrl, ServerCaPem, issued.ExportCertificatePem(), PkiFiles.KeyPem(key), user);
    }
}

namespace Timonel.Controllers.ServiceAccount;

/// <summary>
/// Signs legacy service-account tokens with the cluster's service-account key (upstream's
/// --service-account-private-key-file). The server that runs the controller manager beside its
/// API server passes one; without it serviceaccount-token does nothing, as upstream does
/// without a key.
/// </summary>
public interface IServiceAccountTokenSigner
{
    /// <summary>A non-expiring token for the service account, naming the Secret that holds it.</summary>
    string SignLegacyToken(string ns, string serviceAccountName, string serviceAccountUid, string secretName);
}

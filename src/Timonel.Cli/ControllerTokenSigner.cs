using Timonel.ApiServer.ServiceAccounts;
using Timonel.Controllers.ServiceAccount;

namespace Timonel.Cli;

/// <summary>The controller manager's token signer, over the API server's service-account key (the two run in one server).</summary>
internal sealed class ControllerTokenSigner(LegacyTokenSigner signer) : IServiceAccountTokenSigner
{
    public string SignLegacyToken(string ns, string serviceAccountName, string serviceAccountUid, string secretName) =>
        signer.Sign(ns, serviceAccountName, serviceAccountUid, secretName);
}

using System.Text.Json.Nodes;
using Timonel.ApiServer.Reviews;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Upstream's CSR create: spec.username, uid, groups and extra are the authenticated
/// requester's, whatever the client sent (so an approver can trust them).
/// </summary>
internal static class CertificateSigningRequests
{
    public const string Group = "certificates.k8s.io";
    public const string Plural = "certificatesigningrequests";

    public static void SetRequester(JsonObject csr, UserInfo? requester)
    {
        if (csr["spec"] is not JsonObject spec)
        {
            // Validation reports the missing spec; nothing to fill.
            return;
        }

        foreach (var key in new[] { "username", "uid", "groups", "extra" })
        {
            spec.Remove(key);
        }

        if (requester is null)
        {
            return;
        }

        foreach (var (key, value) in UserInfoJson.Of(requester))
        {
            spec[key] = value?.DeepClone();
        }
    }
}

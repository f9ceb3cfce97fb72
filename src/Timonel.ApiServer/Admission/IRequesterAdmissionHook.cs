using System.Text.Json.Nodes;
using Timonel.ApiServer.Security;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// A check on a client's create or update that depends on who is asking (RBAC's escalation
/// prevention). Runs for client requests only (the server's own writes carry no user), on the
/// decoded and defaulted object before mutating admission and validation, as upstream's
/// policy-based RBAC storage checks before the generic store does anything; refuses by
/// throwing an ApiException.
/// </summary>
internal interface IRequesterAdmissionHook
{
    bool AppliesTo(ApiResource resource);

    Task AdmitCreateAsync(ApiResource resource, JsonObject obj, UserInfo user, CancellationToken cancellationToken);

    Task AdmitUpdateAsync(ApiResource resource, JsonObject obj, JsonObject old, UserInfo user, CancellationToken cancellationToken);
}

using System.Text.Json.Nodes;
using Timonel.ApiServer.Security;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission;

/// <summary>The operation a validating admission plugin sees (upstream's admission.Operation).</summary>
internal enum AdmissionOperation
{
    Create,
    Update,
    Delete,
}

/// <summary>
/// What a request asks to write, as a validating admission plugin that depends on who asks
/// sees it (upstream's admission.Attributes): the user, the operation, the resource and
/// subresource, the object's namespace and name, the new object (create, update, the body of
/// an eviction or token request) and the old one (update, delete).
/// </summary>
internal sealed record AdmissionRequest(
    UserInfo User,
    AdmissionOperation Operation,
    ApiResource Resource,
    string Subresource,
    string Namespace,
    string Name,
    JsonObject? Object,
    JsonObject? OldObject)
{
    /// <summary>dryRun=All: nothing will be written (admission webhooks are told, and refuse to be called unless side-effect free).</summary>
    public bool DryRun { get; init; }

    /// <summary>Where admission's warnings go (Warning headers); null where the request has none to send.</summary>
    public Registry.WarningRecorder? Warnings { get; init; }
}

/// <summary>
/// Validating admission that depends on the requesting user (NodeRestriction). Runs for
/// client requests only (the server's own writes have no user), after the object validated
/// and before anything is written; refuses by throwing ApiException; changes nothing.
/// Register it with the other hooks: the writer and the deleter pick it out.
/// </summary>
internal interface IRequestAdmission
{
    Task ValidateAsync(AdmissionRequest request, CancellationToken cancellationToken);
}

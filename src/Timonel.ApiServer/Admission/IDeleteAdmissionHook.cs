using System.Text.Json.Nodes;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Validating admission of a delete (upstream's admission for the DELETE operation): runs for
/// every object a delete or deletecollection reaches, after the preconditions held and before
/// anything is written. Refuses by throwing ApiException; changes nothing.
/// </summary>
internal interface IDeleteAdmissionHook
{
    /// <param name="resource">The resource being deleted from.</param>
    /// <param name="current">The object as stored; do not change it.</param>
    Task AdmitDeleteAsync(ApiResource resource, JsonObject current, CancellationToken cancellationToken);
}

using System.Text.Json.Nodes;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Admission that changes an object being created (default tolerations, LimitRange defaults).
/// Runs after defaulting and before validation, as upstream's mutating admission does, so what
/// it adds is validated with the rest; it may also refuse with an ApiException.
/// </summary>
internal interface IMutatingAdmissionHook
{
    bool AppliesTo(ApiResource resource);

    Task MutateCreateAsync(ApiResource resource, JsonObject obj, CancellationToken cancellationToken);

    /// <summary>
    /// Changes an object being replaced or patched (the main resource, not a subresource), after
    /// the strategy's defaults and before validation. Most plugins act on create only.
    /// </summary>
    Task MutateUpdateAsync(ApiResource resource, JsonObject obj, JsonObject old, CancellationToken cancellationToken) => Task.CompletedTask;
}

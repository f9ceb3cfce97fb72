using System.Text.Json.Nodes;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Server-side behaviour that needs state beyond one object (namespace lifecycle, service IP
/// and port allocation). Hooks run after validation, just before the store write; when the
/// write then fails, <see cref="AbortAsync"/> undoes what the hook reserved. The follow-up calls
/// (abort, updated, deleted) get a token that is not the request's: a write that happened, or
/// failed, must be followed up even when the client has gone.
/// </summary>
internal interface IAdmissionHook
{
    bool AppliesTo(ApiResource resource);

    /// <summary>May change <paramref name="obj"/> (e.g. fill an allocated IP) or throw ApiException.</summary>
    Task AdmitCreateAsync(ApiResource resource, JsonObject obj, bool dryRun, CancellationToken cancellationToken);

    Task AdmitUpdateAsync(ApiResource resource, JsonObject obj, JsonObject old, bool dryRun, CancellationToken cancellationToken);

    /// <summary>The write of <paramref name="obj"/> did not happen: release what was reserved for it.</summary>
    Task AbortAsync(ApiResource resource, JsonObject obj, JsonObject? old, CancellationToken cancellationToken);

    /// <summary>The update of <paramref name="old"/> to <paramref name="obj"/> is in the store: release what only the old object held.</summary>
    Task UpdatedAsync(ApiResource resource, JsonObject obj, JsonObject old, CancellationToken cancellationToken);

    /// <summary>The object is gone from the store.</summary>
    Task DeletedAsync(ApiResource resource, JsonObject deleted, CancellationToken cancellationToken);
}

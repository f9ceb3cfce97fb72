using System.Net;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Upstream's PersistentVolumeClaimResize admission plugin: a claim's storage request may grow
/// only once it is bound, and only when its StorageClass (the same before and after) says
/// allowVolumeExpansion: true. Whether the volume then really grows is the expand controller's
/// and the storage driver's business.
/// </summary>
internal sealed class PersistentVolumeClaimResize(WatchedObjects storageClasses) : IAdmissionHook
{
    private const string BetaClassAnnotation = "volume.beta.kubernetes.io/storage-class";

    public bool AppliesTo(ApiResource resource) => resource.Group.Length == 0 && resource.Plural == "persistentvolumeclaims";

    public async Task AdmitUpdateAsync(ApiResource resource, JsonObject obj, JsonObject old, bool dryRun, CancellationToken cancellationToken)
    {
        if (!Quantity.TryParse(RequestedStorage(obj), out var wanted)
            || (Quantity.TryParse(RequestedStorage(old), out var had) && wanted <= had))
        {
            return;
        }

        if (old.Obj("status").Str("phase") != "Bound")
        {
            throw Forbidden(resource, obj, "Only bound persistent volume claims can be expanded");
        }

        if (!await ClassAllowsExpansionAsync(obj, old, cancellationToken).ConfigureAwait(false))
        {
            throw Forbidden(resource, obj, "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize");
        }
    }

    private async Task<bool> ClassAllowsExpansionAsync(JsonObject claim, JsonObject old, CancellationToken cancellationToken)
    {
        var className = ClassOf(claim);
        if (className.Length == 0 || className != ClassOf(old))
        {
            return false;
        }

        var storageClass = await storageClasses.GetAsync(null, className, cancellationToken).ConfigureAwait(false);
        return storageClass?["allowVolumeExpansion"] is JsonValue allow && allow.TryGetValue<bool>(out var allowed) && allowed;
    }

    // Upstream's GetPersistentVolumeClaimClass: the beta annotation wins over the field.
    private static string ClassOf(JsonObject claim) =>
        claim.Obj("metadata").Obj("annotations").Str(BetaClassAnnotation) ?? claim.Obj("spec").Str("storageClassName") ?? "";

    private static string? RequestedStorage(JsonObject claim) => JsonAccess.Scalar(claim.Obj("spec").Obj("resources").Obj("requests")?["storage"]);

    private static ApiException Forbidden(ApiResource resource, JsonObject claim, string why) =>
        new(HttpStatusCode.Forbidden, "Forbidden", $"{resource.GroupResource} \"{ObjectMetaAccess.Name(claim)}\" is forbidden: {why}", new StatusDetails(ObjectMetaAccess.Name(claim), resource.Group, resource.Plural));

    public Task AdmitCreateAsync(ApiResource resource, JsonObject obj, bool dryRun, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task AbortAsync(ApiResource resource, JsonObject obj, JsonObject? old, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task UpdatedAsync(ApiResource resource, JsonObject obj, JsonObject old, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeletedAsync(ApiResource resource, JsonObject deleted, CancellationToken cancellationToken) => Task.CompletedTask;
}

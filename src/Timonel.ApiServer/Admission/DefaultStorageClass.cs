using System.Text.Json.Nodes;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Gives a new claim that names no storage class the cluster's default one (the StorageClass
/// annotated storageclass.kubernetes.io/is-default-class=true; the newest when several are), as
/// upstream's DefaultStorageClass admission plugin does. An explicit "" means "no class" and is kept.
/// </summary>
internal sealed class DefaultStorageClass(WatchedObjects storageClasses) : IMutatingAdmissionHook
{
    public const string DefaultAnnotation = "storageclass.kubernetes.io/is-default-class";

    public bool AppliesTo(ApiResource resource) => resource.Group.Length == 0 && resource.Plural == "persistentvolumeclaims";

    public async Task MutateCreateAsync(ApiResource resource, JsonObject obj, CancellationToken cancellationToken)
    {
        var spec = obj.Ensure("spec");
        if (spec["storageClassName"] is not null)
        {
            return;
        }

        var chosen = (await storageClasses.ListAsync(null, cancellationToken).ConfigureAwait(false))
            .Where(sc => sc.Obj("metadata").Obj("annotations").Str(DefaultAnnotation) == "true")
            .OrderByDescending(sc => sc.Obj("metadata").Str("creationTimestamp"), StringComparer.Ordinal)
            .ThenBy(sc => sc.Obj("metadata").Str("name"), StringComparer.Ordinal)
            .FirstOrDefault();
        if (chosen?.Obj("metadata").Str("name") is { Length: > 0 } name)
        {
            spec["storageClassName"] = name;
        }
    }
}

using System.Text.Json.Nodes;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Puts the protection finalizer on every new PersistentVolumeClaim and PersistentVolume, as
/// upstream's StorageObjectInUseProtection plugin: a claim then stays Terminating while a pod
/// uses it, and a volume while it is bound (the pvc-protection and pv-protection controllers
/// remove the finalizer once that is over).
/// </summary>
internal sealed class StorageObjectInUseProtection : IMutatingAdmissionHook
{
    public const string PvcFinalizer = "kubernetes.io/pvc-protection";
    public const string PvFinalizer = "kubernetes.io/pv-protection";

    public bool AppliesTo(ApiResource resource) =>
        resource.Group.Length == 0 && resource.Plural is "persistentvolumeclaims" or "persistentvolumes";

    public Task MutateCreateAsync(ApiResource resource, JsonObject obj, CancellationToken cancellationToken)
    {
        var finalizer = resource.Plural == "persistentvolumes" ? PvFinalizer : PvcFinalizer;
        var metadata = obj.Ensure("metadata");
        if (metadata["finalizers"] is not JsonArray finalizers)
        {
            metadata["finalizers"] = new JsonArray(finalizer);
        }
        else if (!finalizers.Any(f => f is JsonValue v && v.TryGetValue<string>(out var s) && s == finalizer))
        {
            finalizers.Add(finalizer);
        }

        return Task.CompletedTask;
    }
}

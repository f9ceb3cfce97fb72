using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>PersistentVolumes: Retain and Filesystem by default, capacity and access modes required, one volume source.</summary>
public sealed class PersistentVolumeStrategy() : ResourceStrategy(namespaced: false, hasStatus: true)
{
    private static readonly string[] Sources =
    [
        "hostPath", "local", "nfs", "csi", "iscsi", "fc", "rbd", "cephfs", "glusterfs", "gcePersistentDisk", "awsElasticBlockStore",
        "azureDisk", "azureFile", "cinder", "flexVolume", "flocker", "vsphereVolume", "quobyte", "photonPersistentDisk",
        "portworxVolume", "scaleIO", "storageos",
    ];

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        spec.DefaultString("persistentVolumeReclaimPolicy", "Retain");
        spec.DefaultString("volumeMode", "Filesystem");
        obj.Ensure("status").DefaultString("phase", "Pending");
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        var capacity = spec.Obj("capacity");
        if (capacity is null || capacity.Count == 0)
        {
            errs.Add(FieldError.Required("spec.capacity", ""));
        }
        else
        {
            if (!capacity.ContainsKey("storage") || capacity.Count > 1)
            {
                errs.Add(FieldError.NotSupported("spec.capacity", string.Join(", ", capacity.Select(p => p.Key)), ["storage"]));
            }
            FieldChecks.Quantities(capacity, "spec.capacity", errs);
        }
        var modes = spec.Arr("accessModes");
        if (modes is null || modes.Count == 0)
        {
            errs.Add(FieldError.Required("spec.accessModes", ""));
        }
        foreach (var (_, mode) in modes.Strings())
        {
            if (!PersistentVolumeClaimStrategy.AccessModes.Contains(mode))
            {
                errs.Add(FieldError.NotSupported("spec.accessModes", mode, PersistentVolumeClaimStrategy.AccessModes));
            }
        }
        var sources = Sources.Where(spec.Has).ToList();
        if (sources.Count == 0)
        {
            errs.Add(FieldError.Required("spec", "must specify a volume type"));
        }
        foreach (var extra in sources.Skip(1))
        {
            errs.Add(FieldError.Forbidden($"spec.{extra}", "may not specify more than 1 volume type"));
        }
        if (spec.Obj("hostPath") is { } hostPath && string.IsNullOrEmpty(hostPath.Str("path")))
        {
            errs.Add(FieldError.Required("spec.hostPath.path", ""));
        }
        if (spec.Obj("local") is { } local && string.IsNullOrEmpty(local.Str("path")))
        {
            errs.Add(FieldError.Required("spec.local.path", ""));
        }
        FieldChecks.OneOf(spec, "persistentVolumeReclaimPolicy", "spec.persistentVolumeReclaimPolicy", ["Retain", "Delete", "Recycle"], errs);
        FieldChecks.OneOf(spec, "volumeMode", "spec.volumeMode", PersistentVolumeClaimStrategy.VolumeModes, errs);
        if (spec.Str("storageClassName") is { Length: > 0 } className)
        {
            foreach (var msg in NameValidation.IsDns1123Subdomain(className))
            {
                errs.Add(FieldError.Invalid("spec.storageClassName", className, msg));
            }
        }
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        var oldSpec = old.Obj("spec");
        FieldChecks.Immutable(spec?["volumeMode"], oldSpec?["volumeMode"], "spec.volumeMode", errs);
        if (Sources.Any(s => !JsonAccess.Same(spec?[s], oldSpec?[s])))
        {
            errs.Add(FieldError.Forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"));
        }
    }
}

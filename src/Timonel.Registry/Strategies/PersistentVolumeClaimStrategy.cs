using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>PersistentVolumeClaims: Filesystem mode by default; the spec is fixed after creation except storage growth and binding.</summary>
public sealed class PersistentVolumeClaimStrategy() : ResourceStrategy(namespaced: true, hasStatus: true)
{
    internal static readonly string[] AccessModes = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"];
    internal static readonly string[] VolumeModes = ["Block", "Filesystem"];

    public override void ApplyDefaults(JsonObject obj)
    {
        obj.Ensure("spec").DefaultString("volumeMode", "Filesystem");
        obj.Ensure("status").DefaultString("phase", "Pending");
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs) => ValidateSpec(obj.Obj("spec"), "spec", errs);

    /// <summary>A claim spec, also the spec of a StatefulSet's volumeClaimTemplates.</summary>
    public static void ValidateSpec(JsonObject? spec, string path, List<FieldError> errs)
    {
        var modes = spec.Arr("accessModes");
        if (modes is null || modes.Count == 0)
        {
            errs.Add(FieldError.Required($"{path}.accessModes", "at least 1 access mode is required"));
        }
        foreach (var (_, mode) in modes.Strings())
        {
            if (!AccessModes.Contains(mode))
            {
                errs.Add(FieldError.NotSupported($"{path}.accessModes", mode, AccessModes));
            }
        }
        var requests = FieldChecks.Quantities(spec.Obj("resources").Obj("requests"), $"{path}.resources.requests", errs);
        FieldChecks.Quantities(spec.Obj("resources").Obj("limits"), $"{path}.resources.limits", errs);
        if (!requests.TryGetValue("storage", out var storage))
        {
            if (spec.Obj("resources").Obj("requests")?["storage"] is null)
            {
                errs.Add(FieldError.Required($"{path}.resources[storage]", ""));
            }
        }
        else if (storage <= 0)
        {
            errs.Add(FieldError.Invalid($"{path}.resources[storage]", JsonAccess.Scalar(spec.Obj("resources").Obj("requests")?["storage"]), "must be greater than zero"));
        }
        FieldChecks.OneOf(spec, "volumeMode", $"{path}.volumeMode", VolumeModes, errs);
        if (spec.Str("storageClassName") is { Length: > 0 } className)
        {
            foreach (var msg in NameValidation.IsDns1123Subdomain(className))
            {
                errs.Add(FieldError.Invalid($"{path}.storageClassName", className, msg));
            }
        }
        LabelValidation.ValidateSelector(spec.Obj("selector"), $"{path}.selector", errs);
        foreach (var source in new[] { "dataSource", "dataSourceRef" })
        {
            if (spec.Obj(source) is { } ds)
            {
                if (string.IsNullOrEmpty(ds.Str("kind")))
                {
                    errs.Add(FieldError.Required($"{path}.{source}.kind", ""));
                }
                if (string.IsNullOrEmpty(ds.Str("name")))
                {
                    errs.Add(FieldError.Required($"{path}.{source}.name", ""));
                }
            }
        }
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        var oldSpec = old.Obj("spec");
        var now = (spec?.DeepClone() as JsonObject) ?? [];
        var before = (oldSpec?.DeepClone() as JsonObject) ?? [];
        now.Obj("resources")?.Remove("requests");
        before.Obj("resources")?.Remove("requests");
        now.Remove("volumeAttributesClassName");
        before.Remove("volumeAttributesClassName");
        if (string.IsNullOrEmpty(oldSpec.Str("volumeName")))
        {
            // The binder fills volumeName once.
            now.Remove("volumeName");
            before.Remove("volumeName");
        }
        if (oldSpec?["storageClassName"] is null)
        {
            // A claim made before any default class existed may be given one later (upstream since 1.28).
            now.Remove("storageClassName");
            before.Remove("storageClassName");
        }
        if (!JsonAccess.Same(now, before))
        {
            errs.Add(FieldError.Forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
        }
        var newStorage = JsonAccess.Scalar(spec.Obj("resources").Obj("requests")?["storage"]);
        var oldStorage = JsonAccess.Scalar(oldSpec.Obj("resources").Obj("requests")?["storage"]);
        if (Quantity.TryParse(newStorage, out var a) && Quantity.TryParse(oldStorage, out var b) && a < b)
        {
            errs.Add(FieldError.Forbidden("spec.resources.requests.storage", "field can not be less than previous value"));
        }
    }
}

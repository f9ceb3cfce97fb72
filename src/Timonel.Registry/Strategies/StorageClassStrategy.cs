using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>StorageClasses (storage/v1): Delete and Immediate by default; provisioner required; its settings fixed after creation.</summary>
public sealed class StorageClassStrategy() : ResourceStrategy(namespaced: false, hasStatus: false)
{
    public override void ApplyDefaults(JsonObject obj)
    {
        obj.DefaultString("reclaimPolicy", "Delete");
        obj.DefaultString("volumeBindingMode", "Immediate");
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var provisioner = obj.Str("provisioner") ?? "";
        if (provisioner.Length == 0)
        {
            errs.Add(FieldError.Required("provisioner", ""));
        }
        else
        {
            if (provisioner.Length > 63)
            {
                errs.Add(FieldError.TooLong("provisioner", provisioner, 63));
            }
            foreach (var msg in NameValidation.IsQualifiedName(provisioner.ToLowerInvariant()))
            {
                errs.Add(FieldError.Invalid("provisioner", provisioner, msg));
            }
        }
        FieldChecks.OneOf(obj, "reclaimPolicy", "reclaimPolicy", ["Retain", "Delete"], errs);
        FieldChecks.OneOf(obj, "volumeBindingMode", "volumeBindingMode", ["Immediate", "WaitForFirstConsumer"], errs, required: true);
        var size = (obj.Obj("parameters") ?? []).Sum(p => p.Key.Length + (JsonAccess.AsString(p.Value)?.Length ?? 0));
        if (obj.Obj("parameters")?.Count > 512)
        {
            errs.Add(FieldError.TooLong("parameters", null, 512));
        }
        else if (size > 256 * 1024)
        {
            errs.Add(FieldError.TooLong("parameters", null, 256 * 1024));
        }
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        foreach (var field in new[] { "parameters", "provisioner", "reclaimPolicy" })
        {
            if (!JsonAccess.Same(obj[field], old[field]))
            {
                errs.Add(FieldError.Forbidden(field, $"updates to {field} are forbidden."));
            }
        }
        FieldChecks.Immutable(obj["volumeBindingMode"], old["volumeBindingMode"], "volumeBindingMode", errs);
    }
}

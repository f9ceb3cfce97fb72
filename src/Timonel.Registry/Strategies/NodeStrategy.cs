using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// Nodes: the kubelet registers a node with its status, so status is kept on create (upstream
/// does not reset it) and kept from the old object on main updates.
/// </summary>
public sealed class NodeStrategy() : ResourceStrategy(namespaced: false, hasStatus: true)
{
    private static readonly string[] Effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    public override void PrepareForCreate(JsonObject obj) { }

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        if (spec.Str("podCIDR") is { Length: > 0 } cidr)
        {
            foreach (var msg in NameValidation.IsValidCidr(cidr))
            {
                errs.Add(FieldError.Invalid("spec.podCIDR", cidr, msg));
            }
        }
        foreach (var (i, c) in spec.Arr("podCIDRs").Strings())
        {
            foreach (var msg in NameValidation.IsValidCidr(c))
            {
                errs.Add(FieldError.Invalid($"spec.podCIDRs[{i}]", c, msg));
            }
        }
        var seen = new HashSet<string>();
        foreach (var (i, taint) in spec.Arr("taints").Objects())
        {
            var at = $"spec.taints[{i}]";
            var key = taint.Str("key") ?? "";
            if (key.Length == 0)
            {
                errs.Add(FieldError.Required($"{at}.key", ""));
            }
            foreach (var msg in key.Length == 0 ? [] : NameValidation.IsQualifiedName(key))
            {
                errs.Add(FieldError.Invalid($"{at}.key", key, msg));
            }
            foreach (var msg in NameValidation.IsValidLabelValue(taint.Str("value") ?? ""))
            {
                errs.Add(FieldError.Invalid($"{at}.value", taint.Str("value"), msg));
            }
            FieldChecks.OneOf(taint, "effect", $"{at}.effect", Effects, errs, required: true);
            if (!seen.Add($"{key}:{taint.Str("effect")}"))
            {
                errs.Add(FieldError.Duplicate(at, $"{key}:{taint.Str("effect")}"));
            }
        }
        foreach (var (resource, path) in new[] { ("capacity", "status.capacity"), ("allocatable", "status.allocatable") })
        {
            FieldChecks.Quantities(obj.Obj("status").Obj(resource), path, errs);
        }
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var before = old.Obj("spec").Str("podCIDR");
        if (!string.IsNullOrEmpty(before) && obj.Obj("spec").Str("podCIDR") != before)
        {
            errs.Add(FieldError.Forbidden("spec.podCIDR", "node updates may not change podCIDR except from \"\" to valid"));
        }
        var providerId = old.Obj("spec").Str("providerID");
        if (!string.IsNullOrEmpty(providerId) && obj.Obj("spec").Str("providerID") != providerId)
        {
            errs.Add(FieldError.Forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid"));
        }
    }
}

using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// IPAddresses (networking.k8s.io/v1): named by a canonical IP, pointing at the object the address
/// is allocated to (spec.parentRef, fixed once created). The Service allocator claims addresses by
/// creating these; one made by hand blocks its address just the same.
/// </summary>
public sealed class IpAddressStrategy() : ResourceStrategy(namespaced: false, hasStatus: false)
{
    /// <summary>IPAddress names are the address itself, in canonical form.</summary>
    private static readonly NameRule Name = (name, _) =>
        System.Net.IPAddress.TryParse(name, out var ip) && ip.ToString() == name && !name.Contains('%', StringComparison.Ordinal)
            ? []
            : ["must be a canonical format IP address"];

    protected override NameRule NameRule => Name;

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var parent = obj.Obj("spec").Obj("parentRef");
        if (parent is null)
        {
            errs.Add(FieldError.Required("spec.parentRef", ""));
            return;
        }

        // The core group (Services) is "", so group is checked only when set.
        if (parent.Str("group") is { Length: > 0 } group)
        {
            errs.AddRange(NameValidation.IsDns1123Subdomain(group).Select(m => FieldError.Invalid("spec.parentRef.group", group, m)));
        }

        Segment(parent, "resource", required: true, errs);
        Segment(parent, "namespace", required: false, errs);
        Segment(parent, "name", required: true, errs);
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var now = obj.Obj("spec").Obj("parentRef");
        if (!JsonAccess.Same(now, old.Obj("spec").Obj("parentRef")))
        {
            errs.Add(FieldError.Invalid("spec.parentRef", JsonAccess.Compact(now), "field is immutable"));
        }
    }

    private static void Segment(JsonObject parent, string key, bool required, List<FieldError> errs)
    {
        var value = parent.Str(key);
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                errs.Add(FieldError.Required($"spec.parentRef.{key}", ""));
            }

            return;
        }

        errs.AddRange(NameValidation.IsPathSegmentName(value, false).Select(m => FieldError.Invalid($"spec.parentRef.{key}", value, m)));
    }
}

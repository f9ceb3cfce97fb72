using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// ServiceCIDRs (networking.k8s.io/v1): one or two CIDRs, one per IP family; fixed once created,
/// except that a single-family range may gain the other family (upstream 1.33).
/// </summary>
public sealed class ServiceCidrStrategy() : ResourceStrategy(namespaced: false, hasStatus: true)
{
    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var cidrs = obj.Obj("spec").Arr("cidrs");
        if (cidrs is not { Count: > 0 })
        {
            errs.Add(FieldError.Required("spec.cidrs", "at least one CIDR required"));
            return;
        }

        if (cidrs.Count > 2)
        {
            errs.Add(FieldError.Invalid("spec.cidrs", JsonAccess.Compact(obj.Obj("spec")), "may only hold up to 2 values"));
            return;
        }

        var valid = true;
        foreach (var (i, cidr) in cidrs.Strings())
        {
            foreach (var msg in NameValidation.IsValidCidr(cidr))
            {
                errs.Add(FieldError.Invalid($"spec.cidrs[{i}]", cidr, msg));
                valid = false;
            }
        }

        if (valid && cidrs.Count == 2 && IsIpv6(cidrs.Strings().First().Value) == IsIpv6(cidrs.Strings().Last().Value))
        {
            errs.Add(FieldError.Invalid("spec.cidrs", JsonAccess.Compact(obj.Obj("spec")), "may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64"));
        }
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var now = obj.Obj("spec").Arr("cidrs").Strings().Select(s => s.Value).ToList();
        var before = old.Obj("spec").Arr("cidrs").Strings().Select(s => s.Value).ToList();
        if (now.Count == before.Count)
        {
            for (var i = 0; i < before.Count; i++)
            {
                if (now[i] != before[i])
                {
                    errs.Add(FieldError.Invalid($"spec.cidrs[{i}]", now[i], "field is immutable"));
                }
            }
        }
        else if (before.Count == 1 && now.Count == 2)
        {
            // Adding the other family (single to dual stack) is the one change allowed; Validate checks the pair.
            if (now[0] != before[0])
            {
                errs.Add(FieldError.Invalid("spec.cidrs[0]", now[0], "field is immutable"));
            }
        }
        else
        {
            errs.Add(FieldError.Invalid("spec.cidrs", JsonAccess.Compact(obj.Obj("spec").Arr("cidrs")), "field is immutable"));
        }
    }

    private static bool IsIpv6(string cidr) => cidr.Contains(':', StringComparison.Ordinal);
}

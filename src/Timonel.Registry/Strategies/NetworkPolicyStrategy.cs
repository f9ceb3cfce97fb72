using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>NetworkPolicies (networking/v1): policyTypes defaulted from the rules present; selectors, ports and CIDRs checked.</summary>
public sealed class NetworkPolicyStrategy() : ResourceStrategy(namespaced: true, hasStatus: false)
{
    private static readonly string[] PolicyTypes = ["Ingress", "Egress"];

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        spec.Default("podSelector", new JsonObject());
        foreach (var (_, rule) in spec.Arr("ingress").Objects().Concat(spec.Arr("egress").Objects()))
        {
            foreach (var (_, port) in rule.Arr("ports").Objects())
            {
                port.DefaultString("protocol", "TCP");
            }
        }
        if (spec.Arr("policyTypes") is null or { Count: 0 })
        {
            var types = new JsonArray("Ingress");
            if (spec.Arr("egress") is { Count: > 0 })
            {
                types.Add("Egress");
            }
            spec["policyTypes"] = types;
        }
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        LabelValidation.ValidateSelector(spec.Obj("podSelector"), "spec.podSelector", errs);
        foreach (var (direction, peers) in new[] { ("ingress", "from"), ("egress", "to") })
        {
            foreach (var (i, rule) in spec.Arr(direction).Objects())
            {
                var at = $"spec.{direction}[{i}]";
                foreach (var (j, port) in rule.Arr("ports").Objects())
                {
                    ValidatePort(port, $"{at}.ports[{j}]", errs);
                }
                foreach (var (j, peer) in rule.Arr(peers).Objects())
                {
                    ValidatePeer(peer, $"{at}.{peers}[{j}]", errs);
                }
            }
        }
        var types = spec.Arr("policyTypes").Strings().ToList();
        if (types.Count > 2)
        {
            errs.Add(FieldError.Invalid("spec.policyTypes", string.Join(",", types.Select(t => t.Value)), "may not specify more than two policyTypes"));
        }
        foreach (var (i, type) in types)
        {
            if (!PolicyTypes.Contains(type))
            {
                errs.Add(FieldError.NotSupported($"spec.policyTypes[{i}]", type, PolicyTypes));
            }
        }
    }

    private static void ValidatePort(JsonObject port, string at, List<FieldError> errs)
    {
        FieldChecks.OneOf(port, "protocol", $"{at}.protocol", ContainerValidation.Protocols, errs);
        if (port["port"] is { } p)
        {
            ContainerValidation.NumberOrName(p, $"{at}.port", errs);
        }
        if (port.Int("endPort") is { } end)
        {
            if (JsonAccess.AsLong(port["port"]) is not { } start)
            {
                errs.Add(FieldError.Required($"{at}.port", "must be specified when endPort is specified"));
            }
            else if (end < start)
            {
                errs.Add(FieldError.Invalid($"{at}.endPort", end, "must be greater than or equal to `port`"));
            }
            ContainerValidation.PortNumber(end, $"{at}.endPort", errs);
        }
    }

    private static void ValidatePeer(JsonObject peer, string at, List<FieldError> errs)
    {
        var ipBlock = peer.Obj("ipBlock");
        var selectors = new[] { "podSelector", "namespaceSelector" }.Count(peer.Has);
        if (ipBlock is not null && selectors > 0)
        {
            errs.Add(FieldError.Forbidden(at, "may not specify both ipBlock and another peer"));
        }
        else if (ipBlock is null && selectors == 0)
        {
            errs.Add(FieldError.Required(at, "must specify a peer"));
        }
        LabelValidation.ValidateSelector(peer.Obj("podSelector"), $"{at}.podSelector", errs);
        LabelValidation.ValidateSelector(peer.Obj("namespaceSelector"), $"{at}.namespaceSelector", errs);
        if (ipBlock is null)
        {
            return;
        }
        var cidr = ipBlock.Str("cidr") ?? "";
        if (cidr.Length == 0)
        {
            errs.Add(FieldError.Required($"{at}.ipBlock.cidr", ""));
        }
        foreach (var msg in cidr.Length == 0 ? [] : NameValidation.IsValidCidr(cidr))
        {
            errs.Add(FieldError.Invalid($"{at}.ipBlock.cidr", cidr, msg));
        }
        foreach (var (i, except) in ipBlock.Arr("except").Strings())
        {
            foreach (var msg in NameValidation.IsValidCidr(except))
            {
                errs.Add(FieldError.Invalid($"{at}.ipBlock.except[{i}]", except, msg));
            }
        }
    }
}

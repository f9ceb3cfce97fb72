using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// Services (core/v1): defaults of SetDefaults_Service, ports and types checked as ValidateService
/// does. The server allocates clusterIP and nodePorts; this accepts well-formed allocated values
/// and keeps allocated ones across updates that omit them.
/// </summary>
public sealed class ServiceStrategy() : ResourceStrategy(namespaced: true, hasStatus: true)
{
    protected override JsonObject InitialStatus() => new() { ["loadBalancer"] = new JsonObject() };

    public const int NodePortMin = 30000;
    public const int NodePortMax = 32767;
    private static readonly string[] Types = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
    private static readonly string[] Families = ["IPv4", "IPv6"];

    protected override NameRule NameRule => NameRules.Dns1035Label;

    public override void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        base.PrepareForUpdate(obj, old);
        KeepAllocatedValues(obj.Obj("spec"), old.Obj("spec"));
        DropTypeDependentFields(obj.Obj("spec"), old.Obj("spec"));
    }

    /// <summary>
    /// A type change clears what only the old type used, when the client left it as it was
    /// (upstream's dropTypeDependentFields): NodePort → ClusterIP drops the node ports and
    /// externalTrafficPolicy; → ExternalName also drops the cluster IPs and IP families.
    /// </summary>
    private static void DropTypeDependentFields(JsonObject? spec, JsonObject? oldSpec)
    {
        if (spec is null || oldSpec is null)
        {
            return;
        }

        var type = spec.Str("type") ?? "ClusterIP";
        if (type == (oldSpec.Str("type") ?? "ClusterIP"))
        {
            return;
        }

        void DropIfUnchanged(string field)
        {
            if (spec[field] is { } value && JsonNode.DeepEquals(value, oldSpec[field]))
            {
                spec.Remove(field);
            }
        }

        if (type is not ("NodePort" or "LoadBalancer"))
        {
            var oldPorts = oldSpec.Arr("ports").Objects().Select(p => p.Item).ToList();
            foreach (var (_, port) in spec.Arr("ports").Objects())
            {
                if (port.Int("nodePort") is { } n && oldPorts.Any(o => o.Int("nodePort") == n))
                {
                    port.Remove("nodePort");
                }
            }

            DropIfUnchanged("externalTrafficPolicy");
            DropIfUnchanged("healthCheckNodePort");
        }

        if (type != "LoadBalancer")
        {
            DropIfUnchanged("allocateLoadBalancerNodePorts");
            DropIfUnchanged("loadBalancerClass");
        }

        if (type == "ExternalName")
        {
            DropIfUnchanged("clusterIP");
            DropIfUnchanged("clusterIPs");
            DropIfUnchanged("ipFamilies");
            DropIfUnchanged("ipFamilyPolicy");
            DropIfUnchanged("internalTrafficPolicy");
        }
    }

    /// <summary>An update that leaves out clusterIP or nodePorts keeps the allocated ones (upstream's patchAllocatedValues).</summary>
    private static void KeepAllocatedValues(JsonObject? spec, JsonObject? oldSpec)
    {
        if (spec is null || oldSpec is null || spec.Str("type") == "ExternalName" || oldSpec.Str("type") == "ExternalName")
        {
            return;
        }
        if (string.IsNullOrEmpty(spec.Str("clusterIP")) && oldSpec["clusterIP"] is { } ip)
        {
            spec["clusterIP"] = ip.DeepClone();
        }
        if (spec.Arr("clusterIPs") is null or { Count: 0 } && oldSpec["clusterIPs"] is { } ips)
        {
            spec["clusterIPs"] = ips.DeepClone();
        }
        if (spec.Str("type") is "NodePort" or "LoadBalancer")
        {
            var oldPorts = oldSpec.Arr("ports").Objects().Select(p => p.Item).ToList();
            foreach (var (_, port) in spec.Arr("ports").Objects())
            {
                if (port.Int("nodePort") is null or 0
                    && oldPorts.FirstOrDefault(o => o.Int("port") == port.Int("port") && (o.Str("protocol") ?? "TCP") == (port.Str("protocol") ?? "TCP")) is { } match
                    && match["nodePort"] is { } nodePort)
                {
                    port["nodePort"] = nodePort.DeepClone();
                }
            }
            if (spec["healthCheckNodePort"] is null && oldSpec["healthCheckNodePort"] is { } health && spec.Str("externalTrafficPolicy") == "Local")
            {
                spec["healthCheckNodePort"] = health.DeepClone();
            }
        }
    }

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        spec.DefaultString("type", "ClusterIP");
        spec.DefaultString("sessionAffinity", "None");
        if (spec.Str("sessionAffinity") == "ClientIP")
        {
            spec.Ensure("sessionAffinityConfig").Ensure("clientIP").Default("timeoutSeconds", 10800);
        }
        foreach (var (_, port) in spec.Arr("ports").Objects())
        {
            port.DefaultString("protocol", "TCP");
            if (port["targetPort"] is null || JsonAccess.AsLong(port["targetPort"]) == 0 || JsonAccess.AsString(port["targetPort"]) == "")
            {
                port["targetPort"] = port["port"]?.DeepClone();
            }
        }
        var type = spec.Str("type");
        if (type is "NodePort" or "LoadBalancer")
        {
            spec.DefaultString("externalTrafficPolicy", "Cluster");
        }
        if (type is "ClusterIP" or "NodePort" or "LoadBalancer")
        {
            spec.DefaultString("internalTrafficPolicy", "Cluster");
            spec.DefaultString("ipFamilyPolicy", "SingleStack");
            if (spec.Arr("ipFamilies") is null or { Count: 0 })
            {
                spec["ipFamilies"] = new JsonArray("IPv4");
            }
        }
        if (type == "LoadBalancer")
        {
            spec.Default("allocateLoadBalancerNodePorts", true);
        }
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        var type = spec.Str("type") ?? "";
        FieldChecks.OneOf(spec, "type", "spec.type", Types, errs, required: true);
        var clusterIP = spec.Str("clusterIP") ?? "";
        var headless = clusterIP == "None";
        var ports = spec.Arr("ports");
        if ((ports is null || ports.Count == 0) && !headless && type != "ExternalName")
        {
            errs.Add(FieldError.Required("spec.ports", ""));
        }
        ValidatePorts(ports, type, headless, errs);
        if (type == "ExternalName")
        {
            ValidateExternalName(spec, clusterIP, errs);
        }
        else
        {
            ValidateClusterIPs(spec, clusterIP, errs);
        }
        FieldChecks.OneOf(spec, "sessionAffinity", "spec.sessionAffinity", ["None", "ClientIP"], errs, required: true);
        if (spec.Obj("sessionAffinityConfig").Obj("clientIP").Int("timeoutSeconds") is { } timeout && timeout is <= 0 or > 86400)
        {
            errs.Add(FieldError.Invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout, "must be greater than 0 and less than 86400"));
        }
        LabelValidation.ValidateLabels(spec.Obj("selector"), "spec.selector", errs);
        if (spec.Str("externalTrafficPolicy") is { Length: > 0 } etp)
        {
            if (type is not ("NodePort" or "LoadBalancer"))
            {
                errs.Add(FieldError.Invalid("spec.externalTrafficPolicy", etp, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
            }
            else
            {
                FieldChecks.OneOf(spec, "externalTrafficPolicy", "spec.externalTrafficPolicy", ["Cluster", "Local"], errs);
            }
        }
        FieldChecks.OneOf(spec, "internalTrafficPolicy", "spec.internalTrafficPolicy", ["Cluster", "Local"], errs);
        FieldChecks.OneOf(spec, "ipFamilyPolicy", "spec.ipFamilyPolicy", ["SingleStack", "PreferDualStack", "RequireDualStack"], errs);
        foreach (var (i, family) in spec.Arr("ipFamilies").Strings())
        {
            if (!Families.Contains(family))
            {
                errs.Add(FieldError.NotSupported($"spec.ipFamilies[{i}]", family, Families));
            }
        }
        foreach (var (i, ip) in spec.Arr("externalIPs").Strings())
        {
            foreach (var msg in NameValidation.IsValidIp(ip))
            {
                errs.Add(FieldError.Invalid($"spec.externalIPs[{i}]", ip, msg));
            }
        }
        if (spec.Int("healthCheckNodePort") is { } health && health != 0)
        {
            ContainerValidation.PortNumber(health, "spec.healthCheckNodePort", errs);
        }
    }

    private static void ValidatePorts(JsonArray? ports, string type, bool headless, List<FieldError> errs)
    {
        var names = new HashSet<string>();
        var nodePorts = new HashSet<string>();
        var many = ports?.Count > 1;
        foreach (var (i, p) in ports.Objects())
        {
            var at = $"spec.ports[{i}]";
            var name = p.Str("name") ?? "";
            if (name.Length == 0)
            {
                if (many)
                {
                    errs.Add(FieldError.Required($"{at}.name", ""));
                }
            }
            else
            {
                foreach (var msg in NameValidation.IsDns1123Label(name))
                {
                    errs.Add(FieldError.Invalid($"{at}.name", name, msg));
                }
                if (!names.Add(name))
                {
                    errs.Add(FieldError.Duplicate($"{at}.name", name));
                }
            }
            ContainerValidation.PortNumber(p.Int("port") ?? 0, $"{at}.port", errs);
            FieldChecks.OneOf(p, "protocol", $"{at}.protocol", ContainerValidation.Protocols, errs, required: true);
            if (p["targetPort"] is { } target)
            {
                ContainerValidation.NumberOrName(target, $"{at}.targetPort", errs);
            }
            if (p.Int("nodePort") is { } nodePort && nodePort != 0)
            {
                if (type is not ("NodePort" or "LoadBalancer"))
                {
                    errs.Add(FieldError.Forbidden($"{at}.nodePort", $"may not be used when `type` is '{type}'"));
                }
                else if (nodePort is < NodePortMin or > NodePortMax)
                {
                    errs.Add(FieldError.Invalid($"{at}.nodePort", nodePort, $"provided port is not in the valid range. The range of valid ports is {NodePortMin}-{NodePortMax}"));
                }
                else if (!nodePorts.Add($"{nodePort}/{p.Str("protocol") ?? "TCP"}"))
                {
                    errs.Add(FieldError.Duplicate($"{at}.nodePort", nodePort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }
            }
            if (headless && type == "ClusterIP" && p["targetPort"] is { } tp && JsonAccess.AsLong(tp) is { } tpNum && tpNum != (p.Int("port") ?? 0))
            {
                errs.Add(FieldError.Invalid($"{at}.targetPort", tpNum, "must be equal to the value of 'port' when clusterIP = None"));
            }
        }
    }

    private static void ValidateExternalName(JsonObject? spec, string clusterIP, List<FieldError> errs)
    {
        if (clusterIP.Length > 0)
        {
            errs.Add(FieldError.Forbidden("spec.clusterIP", "may not be set for ExternalName services"));
        }
        if (spec.Arr("clusterIPs") is { Count: > 0 })
        {
            errs.Add(FieldError.Forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
        }
        var externalName = (spec.Str("externalName") ?? "").TrimEnd('.');
        if (externalName.Length == 0)
        {
            errs.Add(FieldError.Required("spec.externalName", ""));
            return;
        }
        foreach (var msg in NameValidation.IsDns1123Subdomain(externalName))
        {
            errs.Add(FieldError.Invalid("spec.externalName", externalName, msg));
        }
    }

    private static void ValidateClusterIPs(JsonObject? spec, string clusterIP, List<FieldError> errs)
    {
        if (clusterIP.Length > 0 && clusterIP != "None")
        {
            foreach (var msg in NameValidation.IsValidIp(clusterIP))
            {
                errs.Add(FieldError.Invalid("spec.clusterIP", clusterIP, msg));
            }
        }
        var ips = spec.Arr("clusterIPs").Strings().ToList();
        if (ips.Count > 2)
        {
            errs.Add(FieldError.Invalid("spec.clusterIPs", string.Join(",", ips.Select(x => x.Value)), "may only hold up to 2 values"));
        }
        if (ips.Count > 0 && clusterIP.Length > 0 && ips[0].Value != clusterIP)
        {
            errs.Add(FieldError.Invalid("spec.clusterIPs[0]", ips[0].Value, "must match `clusterIP` when both are specified"));
        }
        foreach (var (i, ip) in ips.Skip(1))
        {
            foreach (var msg in NameValidation.IsValidIp(ip))
            {
                errs.Add(FieldError.Invalid($"spec.clusterIPs[{i}]", ip, msg));
            }
        }
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        var oldSpec = old.Obj("spec");
        if (spec.Str("type") == "ExternalName" || oldSpec.Str("type") == "ExternalName")
        {
            return;
        }
        var before = oldSpec.Str("clusterIP") ?? "";
        if (before.Length > 0 && (spec.Str("clusterIP") ?? "") != before)
        {
            errs.Add(FieldError.Invalid("spec.clusterIP", spec.Str("clusterIP") ?? "", "field is immutable"));
        }
    }
}

using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies.Validation;

/// <summary>A pod spec and a pod template (upstream's ValidatePodSpec / ValidatePodTemplateSpec).</summary>
public static class PodSpecValidation
{
    public static readonly string[] RestartPolicies = ["Always", "OnFailure", "Never"];
    private static readonly string[] DnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
    private static readonly string[] TolerationOperators = ["Exists", "Equal"];
    private static readonly string[] TaintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    /// <summary>A pod template: labels and annotations of its metadata, then its spec.</summary>
    public static void ValidateTemplate(JsonObject? template, string path, List<FieldError> errs)
    {
        if (template is null)
        {
            errs.Add(FieldError.Required(path, ""));
            return;
        }
        ValidateTemplateMetadata(template, path, errs);
        Validate(template.Obj("spec"), $"{path}.spec", errs);
    }

    /// <summary>The labels and annotations of a pod template's metadata.</summary>
    public static void ValidateTemplateMetadata(JsonObject template, string path, List<FieldError> errs)
    {
        LabelValidation.ValidateLabels(template.Obj("metadata").Obj("labels"), $"{path}.metadata.labels", errs);
        ObjectMetaValidation.ValidateAnnotations(template.Obj("metadata").Obj("annotations"), $"{path}.metadata.annotations", errs);
    }

    public static void Validate(JsonObject? spec, string path, List<FieldError> errs)
    {
        var volumes = VolumeValidation.Validate(spec.Arr("volumes"), $"{path}.volumes", errs);
        var names = new HashSet<string>();
        var containers = spec.Arr("containers");
        if (containers is null || containers.Count == 0)
        {
            errs.Add(FieldError.Required($"{path}.containers", ""));
        }
        foreach (var list in new[] { "initContainers", "containers", "ephemeralContainers" })
        {
            foreach (var (i, c) in spec.Arr(list).Objects())
            {
                ContainerValidation.Validate(c, $"{path}.{list}[{i}]", list, names, volumes, errs);
            }
        }
        ResizePolicyValidation.Validate(spec, path, errs);
        ValidateHostPorts(spec, path, errs);
        FieldChecks.OneOf(spec, "restartPolicy", $"{path}.restartPolicy", RestartPolicies, errs, required: true);
        FieldChecks.OneOf(spec, "dnsPolicy", $"{path}.dnsPolicy", DnsPolicies, errs, required: true);
        if (spec.Str("dnsPolicy") == "None" && (spec.Obj("dnsConfig").Arr("nameservers")?.Count ?? 0) == 0)
        {
            errs.Add(FieldError.Required($"{path}.dnsConfig", "must provide at least one DNS nameserver when `dnsPolicy` is None"));
        }
        if (spec.Int("activeDeadlineSeconds") is { } deadline && deadline is < 1 or > int.MaxValue)
        {
            errs.Add(FieldError.Invalid($"{path}.activeDeadlineSeconds", deadline, $"must be between 1 and {int.MaxValue}, inclusive"));
        }
        LabelValidation.ValidateLabels(spec.Obj("nodeSelector"), $"{path}.nodeSelector", errs);
        Syntax(spec.Str("serviceAccountName"), $"{path}.serviceAccountName", NameValidation.IsDns1123Subdomain, errs);
        Syntax(spec.Str("nodeName"), $"{path}.nodeName", NameValidation.IsDns1123Subdomain, errs);
        Syntax(spec.Str("priorityClassName"), $"{path}.priorityClassName", NameValidation.IsDns1123Subdomain, errs);
        Syntax(spec.Str("hostname"), $"{path}.hostname", NameValidation.IsDns1123Label, errs);
        Syntax(spec.Str("subdomain"), $"{path}.subdomain", NameValidation.IsDns1123Label, errs);
        FieldChecks.NonNegative(spec, "terminationGracePeriodSeconds", $"{path}.terminationGracePeriodSeconds", errs);
        ValidateTolerations(spec.Arr("tolerations"), $"{path}.tolerations", errs);
        foreach (var (i, secret) in spec.Arr("imagePullSecrets").Objects())
        {
            if (string.IsNullOrEmpty(secret.Str("name")))
            {
                errs.Add(FieldError.Required($"{path}.imagePullSecrets[{i}].name", ""));
            }
        }
    }

    private static void Syntax(string? value, string path, Func<string, IReadOnlyList<string>> rule, List<FieldError> errs)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }
        foreach (var msg in rule(value))
        {
            errs.Add(FieldError.Invalid(path, value, msg));
        }
    }

    /// <summary>With hostNetwork the host port is the container port; and no two containers may claim one host port.</summary>
    private static void ValidateHostPorts(JsonObject? spec, string path, List<FieldError> errs)
    {
        var hostNetwork = spec.Bool("hostNetwork") == true;
        var taken = new HashSet<string>();
        foreach (var list in new[] { "initContainers", "containers" })
        {
            foreach (var (i, c) in spec.Arr(list).Objects())
            {
                foreach (var (j, p) in c.Arr("ports").Objects())
                {
                    var at = $"{path}.{list}[{i}].ports[{j}].hostPort";
                    var hostPort = p.Int("hostPort") ?? 0;
                    if (hostNetwork && hostPort != 0 && hostPort != (p.Int("containerPort") ?? 0))
                    {
                        errs.Add(FieldError.Invalid(at, hostPort, "must match `containerPort` when `hostNetwork` is true"));
                    }
                    if (hostPort != 0)
                    {
                        var key = $"{p.Str("hostIP") ?? ""}/{hostPort}/{p.Str("protocol") ?? "TCP"}";
                        if (!taken.Add(key))
                        {
                            errs.Add(FieldError.Duplicate(at, $"{hostPort}/{p.Str("protocol") ?? "TCP"}"));
                        }
                    }
                }
            }
        }
    }

    public static void ValidateTolerations(JsonArray? tolerations, string path, List<FieldError> errs)
    {
        foreach (var (i, t) in tolerations.Objects())
        {
            var at = $"{path}[{i}]";
            var key = t.Str("key") ?? "";
            var op = t.Str("operator") ?? "";
            if (key.Length > 0)
            {
                foreach (var msg in NameValidation.IsQualifiedName(key))
                {
                    errs.Add(FieldError.Invalid($"{at}.key", key, msg));
                }
            }
            else if (op != "Exists")
            {
                errs.Add(FieldError.Invalid($"{at}.operator", op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
            }
            if (op.Length > 0 && !TolerationOperators.Contains(op))
            {
                errs.Add(FieldError.NotSupported($"{at}.operator", op, TolerationOperators));
            }
            if (op == "Exists" && !string.IsNullOrEmpty(t.Str("value")))
            {
                errs.Add(FieldError.Invalid($"{at}.operator", t.Str("value"), "value must be empty when `operator` is 'Exists'"));
            }
            if (t.Int("tolerationSeconds") is not null && t.Str("effect") != "NoExecute")
            {
                errs.Add(FieldError.Invalid($"{at}.effect", t.Str("effect") ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"));
            }
            FieldChecks.OneOf(t, "effect", $"{at}.effect", TaintEffects, errs);
        }
    }
}

using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// HorizontalPodAutoscalers (autoscaling/v2): minReplicas 1 and an 80% CPU target by default,
/// behavior rules filled as upstream's GenerateHPAScale{Up,Down}Rules; target and bounds checked.
/// </summary>
public sealed class HorizontalPodAutoscalerStrategy() : ResourceStrategy(namespaced: true, hasStatus: true)
{
    protected override JsonObject InitialStatus() => new() { ["currentMetrics"] = null, ["desiredReplicas"] = 0 };

    private static readonly string[] MetricTypes = ["Object", "Pods", "Resource", "ContainerResource", "External"];
    private static readonly string[] TargetTypes = ["Utilization", "Value", "AverageValue"];
    private static readonly string[] SelectPolicies = ["Max", "Min", "Disabled"];
    private static readonly string[] PolicyTypes = ["Pods", "Percent"];

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        spec.Default("minReplicas", 1);
        if (spec.Arr("metrics") is null or { Count: 0 })
        {
            spec["metrics"] = JsonNode.Parse("""[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]""");
        }
        if (spec.Obj("behavior") is { } behavior)
        {
            DefaultRules(behavior.Ensure("scaleUp"), 0, """[{"type":"Pods","value":4,"periodSeconds":15},{"type":"Percent","value":100,"periodSeconds":15}]""");
            DefaultRules(behavior.Ensure("scaleDown"), 300, """[{"type":"Percent","value":100,"periodSeconds":15}]""");
        }
    }

    private static void DefaultRules(JsonObject rules, int window, string policies)
    {
        rules.Default("stabilizationWindowSeconds", window);
        rules.DefaultString("selectPolicy", "Max");
        if (rules.Arr("policies") is null or { Count: 0 })
        {
            rules["policies"] = JsonNode.Parse(policies);
        }
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        var target = spec.Obj("scaleTargetRef");
        foreach (var key in new[] { "kind", "name" })
        {
            var value = target.Str(key) ?? "";
            if (value.Length == 0)
            {
                errs.Add(FieldError.Required($"spec.scaleTargetRef.{key}", ""));
            }
            foreach (var msg in value.Length == 0 ? [] : NameValidation.IsPathSegmentName(value, false))
            {
                errs.Add(FieldError.Invalid($"spec.scaleTargetRef.{key}", value, msg));
            }
        }
        var min = spec.Int("minReplicas");
        var max = spec.Int("maxReplicas") ?? 0;
        if (min is < 1)
        {
            errs.Add(FieldError.Invalid("spec.minReplicas", min.Value, "must be greater than or equal to 1"));
        }
        if (max < 1)
        {
            errs.Add(FieldError.Invalid("spec.maxReplicas", max, "must be greater than 0"));
        }
        if (min is { } m && max < m)
        {
            errs.Add(FieldError.Invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
        }
        foreach (var (i, metric) in spec.Arr("metrics").Objects())
        {
            ValidateMetric(metric, $"spec.metrics[{i}]", errs);
        }
        if (spec.Obj("behavior") is { } behavior)
        {
            foreach (var direction in new[] { "scaleUp", "scaleDown" })
            {
                ValidateRules(behavior.Obj(direction), $"spec.behavior.{direction}", errs);
            }
        }
    }

    private static void ValidateMetric(JsonObject metric, string at, List<FieldError> errs)
    {
        var type = metric.Str("type") ?? "";
        if (type.Length == 0)
        {
            errs.Add(FieldError.Required($"{at}.type", "must specify a metric source type"));
            return;
        }
        if (!MetricTypes.Contains(type))
        {
            errs.Add(FieldError.NotSupported($"{at}.type", type, MetricTypes));
            return;
        }
        var sourceKey = char.ToLowerInvariant(type[0]) + type[1..];
        if (metric.Obj(sourceKey) is not { } source)
        {
            errs.Add(FieldError.Required($"{at}.{sourceKey}", $"must populate information for the given metric source (only allowed when type is {type})"));
            return;
        }
        if (type is "Resource" or "ContainerResource" && string.IsNullOrEmpty(source.Str("name")))
        {
            errs.Add(FieldError.Required($"{at}.{sourceKey}.name", "must specify a resource name"));
        }
        if (type == "ContainerResource" && string.IsNullOrEmpty(source.Str("container")))
        {
            errs.Add(FieldError.Required($"{at}.{sourceKey}.container", "must specify a container"));
        }
        if (type is "Object" or "Pods" or "External" && string.IsNullOrEmpty(source.Obj("metric").Str("name")))
        {
            errs.Add(FieldError.Required($"{at}.{sourceKey}.metric.name", "must specify a metric name"));
        }
        var metricTarget = source.Obj("target");
        var targetPath = $"{at}.{sourceKey}.target";
        var targetType = metricTarget.Str("type") ?? "";
        if (targetType.Length == 0)
        {
            errs.Add(FieldError.Required($"{targetPath}.type", "must specify a metric target type"));
        }
        else if (!TargetTypes.Contains(targetType))
        {
            errs.Add(FieldError.NotSupported($"{targetPath}.type", targetType, TargetTypes));
        }
        if (metricTarget.Int("averageUtilization") is { } utilization && utilization < 1)
        {
            errs.Add(FieldError.Invalid($"{targetPath}.averageUtilization", utilization, "must be greater than 0"));
        }
        foreach (var key in new[] { "value", "averageValue" })
        {
            if (metricTarget?[key] is { } q && (!Quantity.TryParse(JsonAccess.Scalar(q), out var v) || v <= 0))
            {
                errs.Add(FieldError.Invalid($"{targetPath}.{key}", FieldChecks.Display(q), "must be positive"));
            }
        }
    }

    private static void ValidateRules(JsonObject? rules, string at, List<FieldError> errs)
    {
        if (rules is null)
        {
            return;
        }
        if (rules.Int("stabilizationWindowSeconds") is { } window && window is < 0 or > 3600)
        {
            errs.Add(FieldError.Invalid($"{at}.stabilizationWindowSeconds", window, "must be less than or equal to 3600 and greater than or equal to 0"));
        }
        FieldChecks.OneOf(rules, "selectPolicy", $"{at}.selectPolicy", SelectPolicies, errs);
        foreach (var (i, policy) in rules.Arr("policies").Objects())
        {
            var p = $"{at}.policies[{i}]";
            FieldChecks.OneOf(policy, "type", $"{p}.type", PolicyTypes, errs, required: true);
            if ((policy.Int("value") ?? 0) <= 0)
            {
                errs.Add(FieldError.Invalid($"{p}.value", policy.Int("value") ?? 0, "must be greater than zero"));
            }
            if (policy.Int("periodSeconds") is not (> 0 and <= 1800))
            {
                errs.Add(FieldError.Invalid($"{p}.periodSeconds", policy.Int("periodSeconds") ?? 0, "must be greater than zero and less than or equal to 1800"));
            }
        }
    }
}

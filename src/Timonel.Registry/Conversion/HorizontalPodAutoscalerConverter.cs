using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Serialization;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;

namespace Timonel.Registry.Conversion;

/// <summary>
/// HorizontalPodAutoscaler between autoscaling/v2 (stored) and autoscaling/v1, by upstream's
/// rules (pkg/apis/autoscaling/v1/conversion.go). v1 has one metric, a CPU utilization target
/// (spec.targetCPUUtilizationPercentage, status.currentCPUUtilizationPercentage); what it cannot
/// express travels in annotations (other metrics, current metrics, conditions, behavior) and is
/// restored from them, and taken out of the metadata, on the way back, so a v2 object read and
/// written back through v1 loses nothing.
/// </summary>
public sealed class HorizontalPodAutoscalerConverter : IVersionConverter
{
    public const string MetricsAnnotation = "autoscaling.alpha.kubernetes.io/metrics";
    public const string CurrentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics";
    public const string ConditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions";
    public const string BehaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior";

    /// <summary>Upstream's target for a v1 object without one (autoscaling.DefaultCPUUtilization).</summary>
    public const int DefaultCpuUtilization = 80;

    private static readonly string[] RoundTripAnnotations = [MetricsAnnotation, CurrentMetricsAnnotation, ConditionsAnnotation, BehaviorAnnotation];

    public JsonObject Convert(JsonObject obj, string fromVersion, string toVersion)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return (fromVersion, toVersion) switch
        {
            ("v2", "v1") => ToV1(obj),
            ("v1", "v2") => ToV2(obj),
            _ when fromVersion == toVersion => (JsonObject)obj.DeepClone(),
            _ => throw new ArgumentException($"HorizontalPodAutoscaler has no conversion from {fromVersion} to {toVersion}"),
        };
    }

    /// <summary>A v2 object as autoscaling/v1 shows it.</summary>
    public static JsonObject ToV1(JsonObject v2)
    {
        ArgumentNullException.ThrowIfNull(v2);
        var spec = v2.Obj("spec");
        var status = v2.Obj("status");
        var metrics = Objects(spec.Arr("metrics"));
        var current = Objects(status.Arr("currentMetrics"));

        var v1Spec = new JsonObject();
        CopyField(spec, v1Spec, "scaleTargetRef");
        CopyField(spec, v1Spec, "minReplicas");
        CopyField(spec, v1Spec, "maxReplicas");
        // The first CPU resource metric gives the target, when it is a utilization.
        if (metrics.FirstOrDefault(IsCpuResource) is { } cpu && cpu.Obj("resource").Obj("target")?["averageUtilization"] is { } target)
        {
            v1Spec["targetCPUUtilizationPercentage"] = target.DeepClone();
        }

        var v1 = new JsonObject
        {
            ["apiVersion"] = "autoscaling/v1",
            ["kind"] = Kind(v2),
            ["metadata"] = v2["metadata"]?.DeepClone() ?? new JsonObject(),
        };
        if (spec is not null)
        {
            v1["spec"] = v1Spec;
        }

        if (status is not null)
        {
            v1["status"] = StatusToV1(status, current);
        }

        // Every CPU utilization target is v1's own field; everything else goes into the annotation.
        var others = metrics.Where(m => !IsCpuUtilizationTarget(m)).Select(AutoscalingV1Metrics.SpecToV1).ToList();
        var annotations = new List<(string Key, string Value)>();
        if (others.Count > 0)
        {
            annotations.Add((MetricsAnnotation, Encode(new JsonArray([.. others]))));
        }

        if (current.Count > 0)
        {
            annotations.Add((CurrentMetricsAnnotation, Encode(new JsonArray([.. current.Select(AutoscalingV1Metrics.StatusToV1)]))));
        }

        if (spec?["behavior"] is JsonObject behavior)
        {
            annotations.Add((BehaviorAnnotation, Encode(behavior.DeepClone())));
        }

        if (status.Arr("conditions") is { Count: > 0 } conditions)
        {
            annotations.Add((ConditionsAnnotation, Encode(conditions.DeepClone())));
        }

        if (annotations.Count > 0)
        {
            var meta = (JsonObject)v1["metadata"]!;
            if (meta["annotations"] is not JsonObject map)
            {
                map = new JsonObject();
                meta["annotations"] = map;
            }

            foreach (var (key, value) in annotations)
            {
                map[key] = value;
            }
        }

        return v1;
    }

    /// <summary>A v1 object as it is stored (autoscaling/v2).</summary>
    public static JsonObject ToV2(JsonObject v1)
    {
        ArgumentNullException.ThrowIfNull(v1);
        var meta = v1["metadata"] is JsonObject m ? (JsonObject)m.DeepClone() : null;
        var annotations = meta.Obj("annotations");
        var spec = v1.Obj("spec");
        var status = v1.Obj("status");

        var v2 = new JsonObject
        {
            ["apiVersion"] = "autoscaling/v2",
            ["kind"] = Kind(v1),
        };
        if (v1["metadata"] is not null)
        {
            // Not an object (a client's mistake) stays as sent, for the writer to refuse.
            v2["metadata"] = meta ?? v1["metadata"]!.DeepClone();
        }

        var v2Spec = new JsonObject();
        CopyField(spec, v2Spec, "scaleTargetRef");
        CopyField(spec, v2Spec, "minReplicas");
        CopyField(spec, v2Spec, "maxReplicas");

        // Upstream: the annotation's metrics first, then v1's CPU target.
        var metrics = new JsonArray();
        foreach (var other in Decode(annotations, MetricsAnnotation) ?? [])
        {
            metrics.Add(AutoscalingV1Metrics.SpecToV2(other));
        }

        if (spec?["targetCPUUtilizationPercentage"] is { } cpu)
        {
            metrics.Add(CpuMetric("target", "averageUtilization", cpu.DeepClone(), targetType: true));
        }

        if (metrics.Count == 0)
        {
            // v1 had an implicit default; v2 states it.
            metrics.Add(CpuMetric("target", "averageUtilization", DefaultCpuUtilization, targetType: true));
        }

        v2Spec["metrics"] = metrics;
        if (annotations?[BehaviorAnnotation] is { } behaviorText && ParseObject(JsonAccess.AsString(behaviorText)) is { } behavior)
        {
            v2Spec["behavior"] = behavior;
        }

        if (spec is not null)
        {
            v2["spec"] = v2Spec;
        }

        if (status is not null)
        {
            v2["status"] = StatusToV2(status, annotations);
        }

        if (annotations is not null)
        {
            foreach (var key in RoundTripAnnotations)
            {
                annotations.Remove(key);
            }

            if (annotations.Count == 0)
            {
                meta!.Remove("annotations");
            }
        }

        return v2;
    }

    private static JsonObject StatusToV1(JsonObject status, List<JsonObject> current)
    {
        var v1 = new JsonObject();
        CopyField(status, v1, "observedGeneration");
        CopyField(status, v1, "lastScaleTime");
        // Plain integers in v1: always written.
        v1["currentReplicas"] = status["currentReplicas"]?.DeepClone() ?? 0;
        v1["desiredReplicas"] = status["desiredReplicas"]?.DeepClone() ?? 0;
        JsonNode? utilization = null;
        foreach (var metric in current.Where(IsCpuResource))
        {
            if (metric.Obj("resource").Obj("current")?["averageUtilization"] is { } value)
            {
                utilization = value;
            }
        }

        if (utilization is not null)
        {
            v1["currentCPUUtilizationPercentage"] = utilization.DeepClone();
        }

        return v1;
    }

    private static JsonObject StatusToV2(JsonObject status, JsonObject? annotations)
    {
        var v2 = new JsonObject();
        CopyField(status, v2, "observedGeneration");
        CopyField(status, v2, "lastScaleTime");
        CopyField(status, v2, "currentReplicas");
        CopyField(status, v2, "desiredReplicas");
        // The annotation has more than v1's one number: it wins when present and readable.
        if (Decode(annotations, CurrentMetricsAnnotation) is { } current)
        {
            v2["currentMetrics"] = new JsonArray([.. current.Select(AutoscalingV1Metrics.StatusToV2)]);
        }
        else if (status["currentCPUUtilizationPercentage"] is { } cpu)
        {
            v2["currentMetrics"] = new JsonArray(CpuMetric("current", "averageUtilization", cpu.DeepClone(), targetType: false));
        }

        if (ParseArray(JsonAccess.AsString(annotations?[ConditionsAnnotation])) is { } conditions)
        {
            v2["conditions"] = conditions;
        }

        return v2;
    }

    private static JsonObject CpuMetric(string holder, string field, JsonNode value, bool targetType)
    {
        var inner = new JsonObject();
        if (targetType)
        {
            inner["type"] = "Utilization";
        }

        inner[field] = value;
        return new JsonObject
        {
            ["type"] = "Resource",
            ["resource"] = new JsonObject { ["name"] = "cpu", [holder] = inner },
        };
    }

    private static bool IsCpuResource(JsonObject metric) => metric.Str("type") == "Resource" && metric.Obj("resource").Str("name") == "cpu";

    private static bool IsCpuUtilizationTarget(JsonObject metric) =>
        IsCpuResource(metric) && metric.Obj("resource").Obj("target")?["averageUtilization"] is not null;

    private static List<JsonObject> Objects(JsonArray? array) => array?.OfType<JsonObject>().ToList() ?? [];

    private static JsonNode Kind(JsonObject obj) => obj["kind"]?.DeepClone() ?? "HorizontalPodAutoscaler";

    private static void CopyField(JsonObject? from, JsonObject to, string key)
    {
        if (from?[key] is { } value)
        {
            to[key] = value.DeepClone();
        }
    }

    // Compact, with Go's escapes: the annotation's text is what upstream's json.Marshal writes.
    private static string Encode(JsonNode node) => node.ToJsonString(GoJsonEncoder.SerializerOptions);

    /// <summary>The objects of an annotation's JSON array; null when absent or unreadable (upstream ignores what it cannot decode).</summary>
    private static List<JsonObject>? Decode(JsonObject? annotations, string key) =>
        ParseArray(JsonAccess.AsString(annotations?[key])) is { } array && array.All(n => n is JsonObject) ? [.. array.Cast<JsonObject>()] : null;

    private static JsonArray? ParseArray(string? text) => Parse(text) as JsonArray;

    private static JsonObject? ParseObject(string? text) => Parse(text) as JsonObject;

    private static JsonNode? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

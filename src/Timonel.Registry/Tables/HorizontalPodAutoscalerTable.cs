using System.Text.Json.Nodes;
using static Timonel.Registry.Tables.TableCells;

namespace Timonel.Registry.Tables;

/// <summary>
/// autoscaling/v2 horizontalpodautoscalers: NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE.
/// TARGETS shows "current/target" for the first two metrics, e.g. "cpu: 40%/80%".
/// </summary>
internal sealed class HorizontalPodAutoscalerTable : ITableConvertor
{
    private const int Shown = 2;
    private const string Unknown = "<unknown>";

    public IReadOnlyList<TableColumn> Columns { get; } =
    [
        CommonColumns.Name,
        CommonColumns.Text("Reference", "scaleTargetRef points to the target resource to scale."),
        CommonColumns.Text("Targets", "metrics contains the specifications for which to use to calculate the desired replica count."),
        CommonColumns.Text("MinPods", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down."),
        CommonColumns.Text("MaxPods", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up."),
        CommonColumns.Text("Replicas", "currentReplicas is current number of replicas of pods managed by this autoscaler."),
        CommonColumns.Age,
    ];

    public IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = At(obj, "spec");
        var target = At(spec, "scaleTargetRef");
        return
        [
            Name(obj),
            $"{Str(At(target, "kind")) ?? ""}/{Str(At(target, "name")) ?? ""}",
            Metrics(Objects(At(spec, "metrics")).ToList(), At(obj, "status", "currentMetrics") as JsonArray),
            Long(At(spec, "minReplicas")) is { } min ? Int(min) : "<unset>",
            Long(At(spec, "maxReplicas")) ?? 0,
            Long(At(obj, "status", "currentReplicas")) ?? 0,
            Age(obj, now),
        ];
    }

    private static string Metrics(List<JsonObject> specs, JsonArray? statuses)
    {
        if (specs.Count == 0)
        {
            return "<none>";
        }

        var list = specs.Select((spec, i) => Metric(spec, statuses is not null && i < statuses.Count ? statuses[i] : null)).ToList();
        var shown = string.Join(", ", list.Take(Shown));
        return list.Count > Shown ? $"{shown} + {list.Count - Shown} more..." : shown;
    }

    private static string Metric(JsonObject spec, JsonNode? status)
    {
        switch (Str(spec["type"]))
        {
            case "External":
                return ValueMetric(spec["external"], At(status, "external"));
            case "Object":
                return ValueMetric(spec["object"], At(status, "object"));
            case "Pods":
                var pods = At(status, "pods") is { } p ? Quantity(At(p, "current", "averageValue"), "<nil>") : Unknown;
                return $"{pods}/{Quantity(At(spec, "pods", "target", "averageValue"), "<nil>")}";
            case "Resource":
                return ResourceMetric(spec["resource"], At(status, "resource"));
            case "ContainerResource":
                return ResourceMetric(spec["containerResource"], At(status, "containerResource"));
            default:
                return "<unknown type>";
        }
    }

    // External and Object metrics: an average value target is marked "(avg)", else a plain value.
    private static string ValueMetric(JsonNode? source, JsonNode? status)
    {
        var target = At(source, "target");
        string current;
        if (At(target, "averageValue") is { } average)
        {
            current = At(status, "current", "averageValue") is { } c ? Quantity(c, "<nil>") : Unknown;
            return $"{current}/{Quantity(average, "<nil>")} (avg)";
        }

        current = status is not null ? Quantity(At(status, "current", "value"), "<nil>") : Unknown;
        return $"{current}/{Quantity(At(target, "value"), "<nil>")}";
    }

    private static string ResourceMetric(JsonNode? source, JsonNode? status)
    {
        var name = Str(At(source, "name")) ?? "";
        var target = At(source, "target");
        if (At(target, "averageValue") is { } average)
        {
            var current = status is not null ? Quantity(At(status, "current", "averageValue"), "<nil>") : Unknown;
            return $"{name}: {current}/{Quantity(average, "<nil>")}";
        }

        var utilization = Long(At(status, "current", "averageUtilization")) is { } u ? $"{u}%" : Unknown;
        var wanted = Long(At(target, "averageUtilization")) is { } w ? $"{w}%" : "<auto>";
        return $"{name}: {utilization}/{wanted}";
    }
}

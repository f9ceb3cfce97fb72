using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.Registry.Conversion;

/// <summary>
/// autoscaling/v1's MetricSpec and MetricStatus (the shapes v1 keeps in its annotations, the
/// v2beta1 style: targetAverageUtilization, metricName, ...) to and from autoscaling/v2's. Fields
/// are written in the order of upstream's Go structs, so annotations read as upstream's do. A
/// quantity v2 does not have is left out rather than written as upstream's zero ("0"), so that a
/// v2 object read and written back through v1 comes back unchanged.
/// </summary>
internal static class AutoscalingV1Metrics
{
    public static JsonObject SpecToV1(JsonObject v2)
    {
        var type = v2.Str("type");
        var v1 = new JsonObject { ["type"] = Clone(v2["type"]) };
        var target = v2.Obj(SourceKey(type) ?? "")?.Obj("target");
        switch (type)
        {
            case "Object" when v2.Obj("object") is { } o:
                v1["object"] = Ordered(
                    ("target", Clone(o["describedObject"])),
                    ("metricName", Clone(o.Obj("metric")?["name"])),
                    ("targetValue", Clone(target?["value"])),
                    ("selector", Clone(o.Obj("metric")?["selector"])),
                    ("averageValue", Clone(target?["averageValue"])));
                break;
            case "Pods" when v2.Obj("pods") is { } p:
                v1["pods"] = Ordered(
                    ("metricName", Clone(p.Obj("metric")?["name"])),
                    ("targetAverageValue", Clone(target?["averageValue"])),
                    ("selector", Clone(p.Obj("metric")?["selector"])));
                break;
            case "Resource" when v2.Obj("resource") is { } r:
                v1["resource"] = Ordered(
                    ("name", Clone(r["name"])),
                    ("targetAverageUtilization", Clone(target?["averageUtilization"])),
                    ("targetAverageValue", Clone(target?["averageValue"])));
                break;
            case "ContainerResource" when v2.Obj("containerResource") is { } c:
                v1["containerResource"] = Ordered(
                    ("name", Clone(c["name"])),
                    ("targetAverageUtilization", Clone(target?["averageUtilization"])),
                    ("targetAverageValue", Clone(target?["averageValue"])),
                    ("container", Clone(c["container"])));
                break;
            case "External" when v2.Obj("external") is { } e:
                v1["external"] = Ordered(
                    ("metricName", Clone(e.Obj("metric")?["name"])),
                    ("metricSelector", Clone(e.Obj("metric")?["selector"])),
                    ("targetValue", Clone(target?["value"])),
                    ("targetAverageValue", Clone(target?["averageValue"])));
                break;
        }

        return v1;
    }

    public static JsonObject SpecToV2(JsonObject v1)
    {
        var type = v1.Str("type");
        var v2 = new JsonObject { ["type"] = Clone(v1["type"]) };
        switch (type)
        {
            case "Object" when v1.Obj("object") is { } o:
                {
                    var average = o["averageValue"];
                    var value = Clone(o["targetValue"]);
                    v2["object"] = Ordered(
                        ("describedObject", Clone(o["target"])),
                        ("target", Ordered(("type", average is null ? "Value" : "AverageValue"), ("value", value), ("averageValue", Clone(average)))),
                        ("metric", Metric(o["metricName"], o["selector"])));
                    break;
                }

            case "Pods" when v1.Obj("pods") is { } p:
                v2["pods"] = Ordered(
                    ("metric", Metric(p["metricName"], p["selector"])),
                    ("target", Ordered(("type", "AverageValue"), ("averageValue", Clone(p["targetAverageValue"])))));
                break;
            case "Resource" when v1.Obj("resource") is { } r:
                v2["resource"] = Ordered(("name", Clone(r["name"])), ("target", ResourceTarget(r)));
                break;
            case "ContainerResource" when v1.Obj("containerResource") is { } c:
                v2["containerResource"] = Ordered(("name", Clone(c["name"])), ("target", ResourceTarget(c)), ("container", Clone(c["container"])));
                break;
            case "External" when v1.Obj("external") is { } e:
                v2["external"] = Ordered(
                    ("metric", Metric(e["metricName"], e["metricSelector"])),
                    ("target", Ordered(
                        ("type", e["targetValue"] is null ? "AverageValue" : "Value"),
                        ("value", Clone(e["targetValue"])),
                        ("averageValue", Clone(e["targetAverageValue"])))));
                break;
        }

        return v2;
    }

    public static JsonObject StatusToV1(JsonObject v2)
    {
        var type = v2.Str("type");
        var v1 = new JsonObject { ["type"] = Clone(v2["type"]) };
        var current = v2.Obj(SourceKey(type) ?? "")?.Obj("current");
        switch (type)
        {
            case "Object" when v2.Obj("object") is { } o:
                v1["object"] = Ordered(
                    ("target", Clone(o["describedObject"])),
                    ("metricName", Clone(o.Obj("metric")?["name"])),
                    ("currentValue", Clone(current?["value"])),
                    ("selector", Clone(o.Obj("metric")?["selector"])),
                    ("averageValue", Clone(current?["averageValue"])));
                break;
            case "Pods" when v2.Obj("pods") is { } p:
                v1["pods"] = Ordered(
                    ("metricName", Clone(p.Obj("metric")?["name"])),
                    ("currentAverageValue", Clone(current?["averageValue"])),
                    ("selector", Clone(p.Obj("metric")?["selector"])));
                break;
            case "Resource" when v2.Obj("resource") is { } r:
                v1["resource"] = Ordered(
                    ("name", Clone(r["name"])),
                    ("currentAverageUtilization", Clone(current?["averageUtilization"])),
                    ("currentAverageValue", Clone(current?["averageValue"])));
                break;
            case "ContainerResource" when v2.Obj("containerResource") is { } c:
                v1["containerResource"] = Ordered(
                    ("name", Clone(c["name"])),
                    ("currentAverageUtilization", Clone(current?["averageUtilization"])),
                    ("currentAverageValue", Clone(current?["averageValue"])),
                    ("container", Clone(c["container"])));
                break;
            case "External" when v2.Obj("external") is { } e:
                v1["external"] = Ordered(
                    ("metricName", Clone(e.Obj("metric")?["name"])),
                    ("metricSelector", Clone(e.Obj("metric")?["selector"])),
                    ("currentValue", Clone(current?["value"])),
                    ("currentAverageValue", Clone(current?["averageValue"])));
                break;
        }

        return v1;
    }

    public static JsonObject StatusToV2(JsonObject v1)
    {
        var type = v1.Str("type");
        var v2 = new JsonObject { ["type"] = Clone(v1["type"]) };
        switch (type)
        {
            case "Object" when v1.Obj("object") is { } o:
                v2["object"] = Ordered(
                    ("metric", Metric(o["metricName"], o["selector"])),
                    ("current", Ordered(("value", Clone(o["currentValue"])), ("averageValue", Clone(o["averageValue"])))),
                    ("describedObject", Clone(o["target"])));
                break;
            case "Pods" when v1.Obj("pods") is { } p:
                v2["pods"] = Ordered(
                    ("metric", Metric(p["metricName"], p["selector"])),
                    ("current", Ordered(("averageValue", Clone(p["currentAverageValue"])))));
                break;
            case "Resource" when v1.Obj("resource") is { } r:
                v2["resource"] = Ordered(("name", Clone(r["name"])), ("current", ResourceCurrent(r)));
                break;
            case "ContainerResource" when v1.Obj("containerResource") is { } c:
                v2["containerResource"] = Ordered(("name", Clone(c["name"])), ("current", ResourceCurrent(c)), ("container", Clone(c["container"])));
                break;
            case "External" when v1.Obj("external") is { } e:
                v2["external"] = Ordered(
                    ("metric", Metric(e["metricName"], e["metricSelector"])),
                    ("current", Ordered(("value", Clone(e["currentValue"])), ("averageValue", Clone(e["currentAverageValue"])))));
                break;
        }

        return v2;
    }

    private static string? SourceKey(string? type) => type switch
    {
        "Object" => "object",
        "Pods" => "pods",
        "Resource" => "resource",
        "ContainerResource" => "containerResource",
        "External" => "external",
        _ => null,
    };

    // Upstream: a utilization makes the target a Utilization target, otherwise it is an AverageValue one.
    private static JsonObject ResourceTarget(JsonObject v1) => Ordered(
        ("type", v1["targetAverageUtilization"] is null ? "AverageValue" : "Utilization"),
        ("averageUtilization", Clone(v1["targetAverageUtilization"])),
        ("averageValue", Clone(v1["targetAverageValue"])));

    private static JsonObject ResourceCurrent(JsonObject v1) => Ordered(
        ("averageValue", Clone(v1["currentAverageValue"])),
        ("averageUtilization", Clone(v1["currentAverageUtilization"])));

    private static JsonObject Metric(JsonNode? name, JsonNode? selector) => Ordered(("name", Clone(name)), ("selector", Clone(selector)));

    private static JsonNode? Clone(JsonNode? node) => node?.DeepClone();

    /// <summary>An object of the given fields in order, without the absent ones (Go's omitempty).</summary>
    private static JsonObject Ordered(params (string Key, JsonNode? Value)[] fields)
    {
        var o = new JsonObject();
        foreach (var (key, value) in fields)
        {
            if (value is not null)
            {
                o[key] = value;
            }
        }

        return o;
    }
}

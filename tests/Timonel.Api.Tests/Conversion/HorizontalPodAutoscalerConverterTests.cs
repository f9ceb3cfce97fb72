using System.Text.Json.Nodes;
using Timonel.Registry.Conversion;
using Timonel.Registry.Resources;
using Xunit;

namespace Timonel.Api.Tests.Conversion;

public sealed class HorizontalPodAutoscalerConverterTests
{
    private static readonly HorizontalPodAutoscalerConverter Converter = new();

    /// <summary>A v2 object using everything v1 cannot say: other metrics (every source type), behavior, current metrics, conditions.</summary>
    private static JsonObject RichV2() => JsonNode.Parse("""
        {"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler",
         "metadata":{"name":"web","namespace":"ns","annotations":{"team":"a"}},
         "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":2,"maxReplicas":9,
           "metrics":[
             {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"100Mi"}}},
             {"type":"Pods","pods":{"metric":{"name":"qps","selector":{"matchLabels":{"a":"b"}}},"target":{"type":"AverageValue","averageValue":"10"}}},
             {"type":"Object","object":{"describedObject":{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","name":"main"},"metric":{"name":"hits"},"target":{"type":"Value","value":"2k"}}},
             {"type":"Object","object":{"describedObject":{"kind":"Service","name":"s"},"metric":{"name":"rps"},"target":{"type":"AverageValue","averageValue":"3"}}},
             {"type":"External","external":{"metric":{"name":"queue"},"target":{"type":"AverageValue","averageValue":"30"}}},
             {"type":"External","external":{"metric":{"name":"lag","selector":{"matchLabels":{"q":"x"}}},"target":{"type":"Value","value":"5"}}},
             {"type":"ContainerResource","containerResource":{"name":"cpu","container":"app","target":{"type":"Utilization","averageUtilization":70}}},
             {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}],
           "behavior":{"scaleDown":{"stabilizationWindowSeconds":60,"selectPolicy":"Max","policies":[{"type":"Pods","value":1,"periodSeconds":30}]}}},
         "status":{"observedGeneration":3,"lastScaleTime":"2026-01-02T03:04:05Z","currentReplicas":3,"desiredReplicas":4,
           "currentMetrics":[
             {"type":"Resource","resource":{"name":"cpu","current":{"averageValue":"250m","averageUtilization":42}}},
             {"type":"Pods","pods":{"metric":{"name":"qps"},"current":{"averageValue":"8"}}},
             {"type":"External","external":{"metric":{"name":"queue"},"current":{"averageValue":"12"}}}],
           "conditions":[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-01-02T03:04:05Z","reason":"ReadyForNewScale","message":"ok"}]}}
        """)!.AsObject();

    [Fact]
    public void Convert_RichV2ToV1_CpuTargetIsTheFieldAndTheRestIsInAnnotations()
    {
        var v1 = Converter.Convert(RichV2(), "v2", "v1");

        Assert.Equal("autoscaling/v1", (string?)v1["apiVersion"]);
        Assert.Equal(50, (int?)v1["spec"]!["targetCPUUtilizationPercentage"]);
        Assert.Null(v1["spec"]!["metrics"]);
        Assert.Null(v1["spec"]!["behavior"]);
        Assert.Equal(42, (int?)v1["status"]!["currentCPUUtilizationPercentage"]);
        Assert.Null(v1["status"]!["currentMetrics"]);
        var annotations = v1["metadata"]!["annotations"]!.AsObject();
        Assert.Equal("a", (string?)annotations["team"]);
        var others = JsonNode.Parse((string)annotations[HorizontalPodAutoscalerConverter.MetricsAnnotation]!)!.AsArray();
        Assert.Equal(7, others.Count);
        // upstream's v1 (v2beta1-style) shapes
        Assert.Equal("""{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}}""", others[0]!.ToJsonString());
        Assert.Equal("""{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"10","selector":{"matchLabels":{"a":"b"}}}}""", others[1]!.ToJsonString());
        Assert.Equal("""{"type":"Object","object":{"target":{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","name":"main"},"metricName":"hits","targetValue":"2k"}}""", others[2]!.ToJsonString());
        Assert.Equal("""{"type":"ContainerResource","containerResource":{"name":"cpu","targetAverageUtilization":70,"container":"app"}}""", others[6]!.ToJsonString());
        Assert.Contains("\"currentAverageUtilization\":42", (string)annotations[HorizontalPodAutoscalerConverter.CurrentMetricsAnnotation]!, StringComparison.Ordinal);
        Assert.Contains("ReadyForNewScale", (string)annotations[HorizontalPodAutoscalerConverter.ConditionsAnnotation]!, StringComparison.Ordinal);
        Assert.Equal("""{"scaleDown":{"stabilizationWindowSeconds":60,"selectPolicy":"Max","policies":[{"type":"Pods","value":1,"periodSeconds":30}]}}""",
            (string)annotations[HorizontalPodAutoscalerConverter.BehaviorAnnotation]!);
    }

    [Fact]
    public void Convert_RichV2ToV1AndBack_LosesNothing()
    {
        var v2 = RichV2();

        var back = Converter.Convert(Converter.Convert(v2, "v2", "v1"), "v1", "v2");

        Assert.True(JsonNode.DeepEquals(v2, back), $"expected\n{v2.ToJsonString()}\ngot\n{back.ToJsonString()}");
    }

    [Fact]
    public void Convert_V2WithoutAnnotationsToV1AndBack_AddsNoAnnotationsMap()
    {
        var v2 = JsonNode.Parse("""
            {"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web"},
             "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":3,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]}}
            """)!.AsObject();

        var v1 = Converter.Convert(v2, "v2", "v1");
        var back = Converter.Convert(v1, "v1", "v2");

        Assert.Null(v1["metadata"]!["annotations"]);
        Assert.True(JsonNode.DeepEquals(v2, back), back.ToJsonString());
    }

    [Fact]
    public void Convert_V1ToV2_TargetBecomesACpuUtilizationMetric()
    {
        var v1 = JsonNode.Parse("""
            {"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"web"},
             "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":4,"targetCPUUtilizationPercentage":65},
             "status":{"currentReplicas":2,"desiredReplicas":2,"currentCPUUtilizationPercentage":30}}
            """)!.AsObject();

        var v2 = Converter.Convert(v1, "v1", "v2");

        Assert.Equal("autoscaling/v2", (string?)v2["apiVersion"]);
        Assert.Equal(
            """[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":65}}}]""",
            v2["spec"]!["metrics"]!.ToJsonString());
        Assert.Equal(
            """[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":30}}}]""",
            v2["status"]!["currentMetrics"]!.ToJsonString());
        Assert.Null(v2["spec"]!["targetCPUUtilizationPercentage"]);
        Assert.Equal(4, (int?)v2["spec"]!["maxReplicas"]);
    }

    [Fact]
    public void Convert_V1WithoutTarget_GetsUpstreamsDefaultOf80Percent()
    {
        var v1 = JsonNode.Parse("""{"metadata":{"name":"web"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":4}}""")!.AsObject();

        var v2 = Converter.Convert(v1, "v1", "v2");

        Assert.Equal(80, (int?)v2["spec"]!["metrics"]![0]!["resource"]!["target"]!["averageUtilization"]);
    }

    [Fact]
    public void Convert_V1WithUnreadableAnnotations_IgnoresAndDropsThem()
    {
        var v1 = JsonNode.Parse($$$"""
            {"metadata":{"name":"web","annotations":{"{{{HorizontalPodAutoscalerConverter.MetricsAnnotation}}}":"not json","{{{HorizontalPodAutoscalerConverter.BehaviorAnnotation}}}":"[1]"}},
             "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":4,"targetCPUUtilizationPercentage":10}}
            """)!.AsObject();

        var v2 = Converter.Convert(v1, "v1", "v2");

        Assert.Single(v2["spec"]!["metrics"]!.AsArray());
        Assert.Null(v2["spec"]!["behavior"]);
        Assert.Null(v2["metadata"]!["annotations"]);
    }

    [Fact]
    public void Convert_Input_IsLeftUnchanged()
    {
        var v2 = RichV2();
        var copy = v2.DeepClone();

        var v1 = Converter.Convert(v2, "v2", "v1");
        var v1Copy = v1.DeepClone();
        Converter.Convert(v1, "v1", "v2");

        Assert.True(JsonNode.DeepEquals(copy, v2));
        Assert.True(JsonNode.DeepEquals(v1Copy, v1));
    }

    [Fact]
    public void ResourceDefinition_Hpa_ServesV2StoredAndV1ConvertedWithItsOwnModel()
    {
        var v1 = ResourceCatalog.Default.Find("autoscaling", "v1", "horizontalpodautoscalers");
        var v2 = ResourceCatalog.Default.Find("autoscaling", "v2", "horizontalpodautoscalers");

        Assert.NotNull(v1);
        Assert.NotNull(v2);
        Assert.True(v2.IsStorageVersion);
        Assert.False(v1.IsStorageVersion);
        Assert.Equal(typeof(k8s.Models.V1HorizontalPodAutoscaler), v1.ModelType);
        Assert.Equal(typeof(k8s.Models.V2HorizontalPodAutoscaler), v2.ModelType);
        Assert.Same(v2.Definition, v1.Storage.Definition);
        Assert.Equal("v2", v1.Storage.Version);
        Assert.Single(ResourceCatalog.Default.Primary, r => r.Plural == "horizontalpodautoscalers");
    }

    [Fact]
    public void IdentityConverter_OtherVersion_ChangesOnlyApiVersion()
    {
        var obj = JsonNode.Parse("""{"apiVersion":"example.com/v1","kind":"Widget","spec":{"a":1}}""")!.AsObject();

        var converted = IdentityConverter.Instance.Convert(obj, "v1", "v2");

        Assert.Equal("""{"apiVersion":"example.com/v2","kind":"Widget","spec":{"a":1}}""", converted.ToJsonString());
        Assert.Equal("example.com/v1", (string?)obj["apiVersion"]);
    }
}

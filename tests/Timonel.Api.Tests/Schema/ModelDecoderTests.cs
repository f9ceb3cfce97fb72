using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Errors;
using Timonel.Api.Serialization;
using Timonel.Registry.Schema;
using Xunit;

namespace Timonel.Api.Tests.Schema;

public sealed class ModelDecoderTests
{
    [Theory]
    [InlineData("""{"spec":{"ports":[{"port":80,"targetPort":[]}]}}""", "json: cannot unmarshal array into Go struct field ServicePort.spec.ports.targetPort of type int32")]
    [InlineData("""{"spec":{"ports":[{"port":80,"targetPort":{}}]}}""", "json: cannot unmarshal object into Go struct field ServicePort.spec.ports.targetPort of type int32")]
    [InlineData("""{"spec":{"ports":[{"port":80,"targetPort":true}]}}""", "json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32")]
    [InlineData("""{"spec":{"ports":[{"port":80,"targetPort":1.5}]}}""", "json: cannot unmarshal number 1.5 into Go struct field ServicePort.spec.ports.targetPort of type int32")]
    [InlineData("""{"spec":{"ports":[{"port":3000000000}]}}""", "json: cannot unmarshal number 3000000000 into Go struct field ServicePort.spec.ports.port of type int32")]
    [InlineData("""{"spec":{"ports":[7]}}""", "json: cannot unmarshal number into Go struct field ServiceSpec.spec.ports of type v1.ServicePort")]
    [InlineData("""{"spec":[]}""", "json: cannot unmarshal array into Go struct field Service.spec of type v1.ServiceSpec")]
    [InlineData("""{"spec":{"selector":{"app":["x"]}}}""", "json: cannot unmarshal array into Go struct field ServiceSpec.spec.selector of type string")]
    [InlineData("""{"spec":{"selector":"app"}}""", "json: cannot unmarshal string into Go struct field ServiceSpec.spec.selector of type map[string]string")]
    [InlineData("""{"spec":{"publishNotReadyAddresses":1}}""", "json: cannot unmarshal number into Go struct field ServiceSpec.spec.publishNotReadyAddresses of type bool")]
    public void EnsureDecodes_ServiceWithWrongType_Throws400LikeUpstream(string json, string detail)
    {
        var e = Assert.Throws<ApiException>(() => ModelDecoder.EnsureDecodes(JsonNode.Parse(json)!.AsObject(), typeof(V1Service), "Service", "v1"));

        Assert.Equal(400, e.Code);
        Assert.Equal($"Service in version \"v1\" cannot be handled as a Service: {detail}", e.Message);
    }

    [Theory]
    [InlineData("""{"spec":{"template":{"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":[]}}}]}}}}""", "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    [InlineData("""{"metadata":{"creationTimestamp":5}}""", "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string")]
    [InlineData("""{"metadata":{"creationTimestamp":"yesterday"}}""", "parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\"")]
    [InlineData("""{"spec":{"template":{"spec":{"containers":{}}}}}""", "json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container")]
    [InlineData("""{"spec":{"revisionHistoryLimit":"x"}}""", "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.revisionHistoryLimit of type int32")]
    public void EnsureDecodes_DeploymentWithWrongType_Throws400LikeUpstream(string json, string detail)
    {
        var e = Assert.Throws<ApiException>(() => ModelDecoder.EnsureDecodes(JsonNode.Parse(json)!.AsObject(), typeof(V1Deployment), "Deployment", "v1"));

        Assert.StartsWith($"Deployment in version \"v1\" cannot be handled as a Deployment: {detail}", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureDecodes_HpaV2_NamesTheV2Package()
    {
        var json = JsonNode.Parse("""{"spec":{"scaleTargetRef":[],"maxReplicas":1}}""")!.AsObject();

        var e = Assert.Throws<ApiException>(() => ModelDecoder.EnsureDecodes(json, typeof(V2HorizontalPodAutoscaler), "HorizontalPodAutoscaler", "v2"));

        Assert.EndsWith("json: cannot unmarshal array into Go struct field HorizontalPodAutoscalerSpec.spec.scaleTargetRef of type v2.CrossVersionObjectReference", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureDecodes_NullsAndRightTypes_Pass()
    {
        var json = JsonNode.Parse("""{"metadata":{"name":"s","labels":null},"spec":{"ports":[{"port":80,"targetPort":"http"},{"port":81,"targetPort":8081}],"selector":{"a":"b"}}}""")!.AsObject();

        ModelDecoder.EnsureDecodes(json, typeof(V1Service), "Service", "v1");
    }

    [Fact]
    public void EnsureDecodes_DeeperThanTheClientModelsRead_NamesTheLimitNotDotNet()
    {
        var json = JsonNode.Parse("{\"data\":{},\"extra\":" + new string('[', 70) + new string(']', 70) + "}", documentOptions: DecodeLimits.JsonOptions)!.AsObject();

        var e = Assert.Throws<ApiException>(() => ModelDecoder.EnsureDecodes(json, typeof(V1ConfigMap), "ConfigMap", "v1"));

        Assert.Equal("ConfigMap in version \"v1\" cannot be handled as a ConfigMap: exceeded max depth of 64", e.Message);
    }
}

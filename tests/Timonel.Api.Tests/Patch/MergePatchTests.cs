using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Patch;
using Xunit;
using static Timonel.Api.Tests.Patch.PatchAssert;

namespace Timonel.Api.Tests.Patch;

public class MergePatchTests
{
    private static JsonObject Apply(string document, string patch, Type? model = null) =>
        PatchApplier.Apply(PatchApplier.MergePatch, Obj(document), Node(patch)!, model ?? typeof(V1Pod));

    // RFC 7386 appendix A, the cases whose target and patch are objects.
    [Theory]
    [InlineData("""{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"a":null}""", """{}""")]
    [InlineData("""{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""")]
    [InlineData("""{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"c"}""", """{"a":["b"]}""", """{"a":["b"]}""")]
    [InlineData("""{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""")]
    [InlineData("""{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""")]
    [InlineData("""{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""")]
    [InlineData("""{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""")]
    public void Apply_Rfc7386Example_GivesRfcResult(string target, string patch, string expected) =>
        Json(expected, Apply(target, patch));

    [Fact]
    public void Apply_ListInPatch_ReplacesWholeList()
    {
        var result = Apply("""{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}""", """{"spec":{"containers":[{"name":"c"}]}}""");
        Json("""{"spec":{"containers":[{"name":"c"}]}}""", result);
    }

    [Fact]
    public void Apply_KubectlLabel_AddsAndRemovesLabels()
    {
        var original = """{"metadata":{"name":"web","labels":{"app":"web","tier":"front"}}}""";
        Json("""{"metadata":{"name":"web","labels":{"app":"web","tier":"front","env":"prod"}}}""", Apply(original, """{"metadata":{"labels":{"env":"prod"}}}"""));
        Json("""{"metadata":{"name":"web","labels":{"app":"web"}}}""", Apply(original, """{"metadata":{"labels":{"tier":null}}}"""));
    }

    [Fact]
    public void Apply_KubectlAnnotate_SetsAnnotationOnObjectWithoutAnnotations()
    {
        var result = Apply("""{"metadata":{"name":"web"}}""", """{"metadata":{"annotations":{"owner":"team-a"},"resourceVersion":"42"}}""");
        Json("""{"metadata":{"name":"web","annotations":{"owner":"team-a"},"resourceVersion":"42"}}""", result);
    }

    [Fact]
    public void Apply_KubectlScale_SetsReplicasOnScale()
    {
        var scale = """{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web"},"spec":{"replicas":1},"status":{"replicas":1}}""";
        var result = Apply(scale, """{"spec":{"replicas":3}}""", typeof(V1Scale));
        Json("""{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web"},"spec":{"replicas":3},"status":{"replicas":1}}""", result);
    }

    [Theory]
    [InlineData("""["c"]""")]
    [InlineData("\"bar\"")]
    [InlineData("null")]
    public void Apply_PatchNotAnObject_Throws400(string patch) =>
        Fails(400, () => Apply("""{"a":"foo"}""", patch));
}

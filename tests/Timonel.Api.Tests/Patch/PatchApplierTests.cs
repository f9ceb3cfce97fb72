using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Patch;
using Xunit;
using static Timonel.Api.Tests.Patch.PatchAssert;

namespace Timonel.Api.Tests.Patch;

public class PatchApplierTests
{
    private const string Document = """{"metadata":{"name":"web","labels":{"app":"web"}},"spec":{"replicas":1,"containers":[{"name":"a","image":"x"}]}}""";

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData("")]
    public void Apply_UnknownPatchType_Throws415(string contentType)
    {
        var error = Fails(415, () => PatchApplier.Apply(contentType, Obj(Document), Obj("{}"), typeof(V1Pod)));
        Assert.Equal("UnsupportedMediaType", error.Reason);
    }

    [Fact]
    public void Apply_ServerSideApply_Throws415SayingNotSupportedYet()
    {
        var error = Fails(415, () => PatchApplier.Apply(PatchApplier.ApplyPatchYaml, Obj(Document), Obj("{}"), typeof(V1Pod)));
        Assert.Contains("server-side apply", error.Message, StringComparison.Ordinal);
        Assert.Contains("not supported yet", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/merge-patch+json; charset=utf-8")]
    [InlineData("Application/Merge-Patch+JSON")]
    public void Apply_ContentTypeWithParametersOrCase_IsRecognised(string contentType)
    {
        var result = PatchApplier.Apply(contentType, Obj(Document), Obj("""{"spec":{"replicas":3}}"""), typeof(V1Pod));
        Assert.Equal(3, result["spec"]!["replicas"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(PatchApplier.JsonPatch, """[{"op":"replace","path":"/spec/replicas","value":4},{"op":"remove","path":"/metadata/labels"},{"op":"add","path":"/spec/containers/0/image","value":"y"}]""")]
    [InlineData(PatchApplier.MergePatch, """{"metadata":{"labels":null},"spec":{"replicas":4,"containers":[]}}""")]
    [InlineData(PatchApplier.StrategicMergePatch, """{"metadata":{"labels":{"$patch":"delete"}},"spec":{"replicas":4,"containers":[{"name":"a","image":"y"}]}}""")]
    public void Apply_AnyPatchType_ReturnsNewObjectAndLeavesOriginalAndPatchUnchanged(string contentType, string patchJson)
    {
        var original = Obj(Document);
        var patch = Node(patchJson)!;
        var patchBefore = patch.DeepClone();

        var result = PatchApplier.Apply(contentType, original, patch, typeof(V1Pod));

        Assert.NotSame(original, result);
        Json(Document, original);
        Assert.True(JsonNode.DeepEquals(patchBefore, patch), "the patch was changed");
        Assert.Equal(4, result["spec"]!["replicas"]!.GetValue<int>());

        // The result must be independent of the original.
        result["metadata"]!["name"] = "changed";
        Assert.Equal("web", original["metadata"]!["name"]!.ToString());
    }
}

using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Patch;
using Xunit;
using static Timonel.Api.Tests.Patch.PatchAssert;

namespace Timonel.Api.Tests.Patch;

public class JsonPatchTests
{
    private static JsonObject Apply(string document, string patch) =>
        PatchApplier.Apply(PatchApplier.JsonPatch, Obj(document), Node(patch)!, typeof(V1Pod));

    // RFC 6902 appendix A, the examples whose document is an object.
    [Theory]
    [InlineData("A.1 add object member", """{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux"}]""", """{"baz":"qux","foo":"bar"}""")]
    [InlineData("A.2 add array element", """{"foo":["bar","baz"]}""", """[{"op":"add","path":"/foo/1","value":"qux"}]""", """{"foo":["bar","qux","baz"]}""")]
    [InlineData("A.3 remove object member", """{"baz":"qux","foo":"bar"}""", """[{"op":"remove","path":"/baz"}]""", """{"foo":"bar"}""")]
    [InlineData("A.4 remove array element", """{"foo":["bar","qux","baz"]}""", """[{"op":"remove","path":"/foo/1"}]""", """{"foo":["bar","baz"]}""")]
    [InlineData("A.5 replace", """{"baz":"qux","foo":"bar"}""", """[{"op":"replace","path":"/baz","value":"boo"}]""", """{"baz":"boo","foo":"bar"}""")]
    [InlineData("A.6 move value", """{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}""", """[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]""", """{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}""")]
    [InlineData("A.7 move array element", """{"foo":["all","grass","cows","eat"]}""", """[{"op":"move","from":"/foo/1","path":"/foo/3"}]""", """{"foo":["all","cows","eat","grass"]}""")]
    [InlineData("A.8 test success", """{"baz":"qux","foo":["a",2,"c"]}""", """[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]""", """{"baz":"qux","foo":["a",2,"c"]}""")]
    [InlineData("A.10 add nested member object", """{"foo":"bar"}""", """[{"op":"add","path":"/child","value":{"grandchild":{}}}]""", """{"foo":"bar","child":{"grandchild":{}}}""")]
    [InlineData("A.11 ignore unrecognized members", """{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux","xyz":123}]""", """{"foo":"bar","baz":"qux"}""")]
    [InlineData("A.14 ~ escape ordering", """{"/":9,"~1":10}""", """[{"op":"test","path":"/~01","value":10}]""", """{"/":9,"~1":10}""")]
    [InlineData("A.16 add array value", """{"foo":["bar"]}""", """[{"op":"add","path":"/foo/-","value":["abc","def"]}]""", """{"foo":["bar",["abc","def"]]}""")]
    [InlineData("copy", """{"a":{"b":1}}""", """[{"op":"copy","from":"/a","path":"/c"}]""", """{"a":{"b":1},"c":{"b":1}}""")]
    [InlineData("escaped slash member", """{"metadata":{"labels":{}}}""", """[{"op":"add","path":"/metadata/labels/app.kubernetes.io~1name","value":"web"}]""", """{"metadata":{"labels":{"app.kubernetes.io/name":"web"}}}""")]
    [InlineData("add at array end index", """{"a":[1]}""", """[{"op":"add","path":"/a/1","value":2}]""", """{"a":[1,2]}""")]
    public void Apply_Rfc6902Example_GivesRfcResult(string name, string document, string patch, string expected)
    {
        Assert.NotEmpty(name);
        Json(expected, Apply(document, patch));
    }

    // Where evanphx/json-patch v4 (kube-apiserver's JSON patch) departs from RFC 6902; each
    // expected result is what v4.12.0 produces for the same document and patch.
    [Theory]
    [InlineData("replace missing member adds it", """{"metadata":{"annotations":{"a":"1"}}}""", """[{"op":"replace","path":"/metadata/annotations/x","value":"2"}]""", """{"metadata":{"annotations":{"a":"1","x":"2"}}}""")]
    [InlineData("add without value writes null", """{"a":1}""", """[{"op":"add","path":"/b"}]""", """{"a":1,"b":null}""")]
    [InlineData("replace without value writes null", """{"a":1}""", """[{"op":"replace","path":"/a"}]""", """{"a":null}""")]
    [InlineData("copy from missing member writes null", """{"a":1}""", """[{"op":"copy","from":"/b","path":"/c"}]""", """{"a":1,"c":null}""")]
    [InlineData("leading zero index", """{"a":[1,2,3]}""", """[{"op":"remove","path":"/a/01"}]""", """{"a":[1,3]}""")]
    [InlineData("plus-signed index", """{"a":[1,2,3]}""", """[{"op":"replace","path":"/a/+2","value":9}]""", """{"a":[1,2,9]}""")]
    [InlineData("negative index counts from the end", """{"a":[1,2]}""", """[{"op":"replace","path":"/a/-1","value":0}]""", """{"a":[1,0]}""")]
    [InlineData("remove negative index", """{"a":[1,2,3]}""", """[{"op":"remove","path":"/a/-3"}]""", """{"a":[2,3]}""")]
    [InlineData("add at -1 appends", """{"a":[1,2]}""", """[{"op":"add","path":"/a/-1","value":3}]""", """{"a":[1,2,3]}""")]
    [InlineData("add at -2 inserts before the last", """{"a":[1,2]}""", """[{"op":"add","path":"/a/-2","value":3}]""", """{"a":[1,3,2]}""")]
    [InlineData("unknown escape kept", """{"a~2":1}""", """[{"op":"remove","path":"/a~2"}]""", """{}""")]
    [InlineData("first segment ignored", """{"a":1}""", """[{"op":"replace","path":"x/a","value":2}]""", """{"a":2}""")]
    [InlineData("replace root with scalar does nothing", """{"a":1}""", """[{"op":"replace","path":"","value":5}]""", """{"a":1}""")]
    [InlineData("replace root with object", """{"a":1}""", """[{"op":"replace","path":"","value":{"b":2}}]""", """{"b":2}""")]
    [InlineData("move to itself", """{"a":{"b":1},"c":2}""", """[{"op":"move","from":"/a","path":"/a"}]""", """{"c":2,"a":{"b":1}}""")]
    [InlineData("move array element to its own index", """{"a":[1,2,3]}""", """[{"op":"move","from":"/a/0","path":"/a/0"}]""", """{"a":[1,2,3]}""")]
    [InlineData("test missing member against null passes", """{"a":1}""", """[{"op":"test","path":"/b","value":null}]""", """{"a":1}""")]
    [InlineData("test null member against null passes", """{"a":null}""", """[{"op":"test","path":"/a","value":null}]""", """{"a":null}""")]
    [InlineData("test whole document", """{"a":[1]}""", """[{"op":"test","path":"","value":{"a":[1]}}]""", """{"a":[1]}""")]
    public void Apply_V4Deviation_GivesV4Result(string name, string document, string patch, string expected)
    {
        Assert.NotEmpty(name);
        Json(expected, Apply(document, patch));
    }

    [Fact]
    public void Apply_KubectlReplaceReplicas_ChangesOnlyThatField()
    {
        var result = Apply("""{"spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}}}}""", """[{"op":"replace","path":"/spec/replicas","value":5}]""");
        Json("""{"spec":{"replicas":5,"selector":{"matchLabels":{"app":"web"}}}}""", result);
    }

    [Theory]
    [InlineData("A.9 failed test", """{"baz":"qux"}""", """[{"op":"test","path":"/baz","value":"bar"}]""", "testing value /baz failed")]
    [InlineData("A.12 add to nonexistent target", """{"foo":"bar"}""", """[{"op":"add","path":"/baz/bat","value":"qux"}]""", "add operation does not apply: doc is missing path: \"/baz/bat\"")]
    [InlineData("A.15 string is not number", """{"/":9,"~1":10}""", """[{"op":"test","path":"/~01","value":"10"}]""", "testing value /~01 failed")]
    [InlineData("remove missing member", """{"a":1}""", """[{"op":"remove","path":"/b"}]""", "Unable to remove nonexistent key: b")]
    [InlineData("index past end", """{"a":[1]}""", """[{"op":"add","path":"/a/2","value":2}]""", "Unable to access invalid index: 2")]
    [InlineData("negative index before start", """{"a":[1,2]}""", """[{"op":"replace","path":"/a/-3","value":0}]""", "Unable to access invalid index: -3")]
    [InlineData("replace past end", """{"a":[1,2]}""", """[{"op":"replace","path":"/a/2","value":0}]""", "Unable to access invalid index: 2")]
    [InlineData("replace with dash", """{"a":[1,2]}""", """[{"op":"replace","path":"/a/-","value":0}]""", "not a proper array index")]
    [InlineData("remove with dash", """{"a":[1,2]}""", """[{"op":"remove","path":"/a/-"}]""", "not a proper array index")]
    [InlineData("unknown op", """{"a":1}""", """[{"op":"frobnicate","path":"/a"}]""", "Unexpected kind: frobnicate")]
    [InlineData("missing op", """{"a":1}""", """[{"path":"/a"}]""", "Unexpected kind: unknown")]
    [InlineData("missing path", """{"a":1}""", """[{"op":"remove"}]""", "remove operation failed to decode path")]
    [InlineData("path without slash", """{"a":1}""", """[{"op":"replace","path":"a","value":2}]""", "replace operation does not apply: doc is missing path: \"a\"")]
    [InlineData("add at root", """{"a":1}""", """[{"op":"add","path":"","value":{}}]""", "add operation does not apply: doc is missing path: \"\"")]
    [InlineData("remove root", """{"a":1}""", """[{"op":"remove","path":""}]""", "remove operation does not apply")]
    [InlineData("move into own child", """{"a":{"b":1}}""", """[{"op":"move","from":"/a","path":"/a/b/c"}]""", "move operation does not apply: doc is missing path: \"/a/b/c\"")]
    [InlineData("move missing member", """{"a":1}""", """[{"op":"move","from":"/b","path":"/c"}]""", "Unable to remove nonexistent key: b")]
    [InlineData("move from root", """{"a":1}""", """[{"op":"move","from":"","path":"/c"}]""", "doc is missing from path")]
    [InlineData("copy to missing parent", """{"a":1}""", """[{"op":"copy","from":"/a","path":"/x/y"}]""", "copy operation does not apply: doc is missing path")]
    [InlineData("test number spelling", """{"a":1}""", """[{"op":"test","path":"/a","value":1.0}]""", "testing value /a failed")]
    [InlineData("test without value", """{"a":1}""", """[{"op":"test","path":"/a"}]""", "testing value /a failed")]
    [InlineData("test past end", """{"a":[1]}""", """[{"op":"test","path":"/a/1","value":1}]""", "Unable to access invalid index: 1")]
    [InlineData("result not an object", """{"a":1}""", """[{"op":"replace","path":"","value":[1]}]""", "must stay a JSON object")]
    public void Apply_OperationCannotApply_Throws422NamingOperationAndPath(string name, string document, string patch, string message)
    {
        Assert.NotEmpty(name);
        var error = Fails(422, () => Apply(document, patch));
        Assert.Equal("Invalid", error.Reason);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"op":"add","path":"/a","value":1}""")]
    [InlineData("\"add\"")]
    [InlineData("null")]
    [InlineData("""[{"op":"add","path":"/a","value":1}, 7]""")]
    public void Apply_BodyNotAnArrayOfObjects_Throws400(string patch)
    {
        var error = Fails(400, () => PatchApplier.Apply(PatchApplier.JsonPatch, Obj("""{"a":1}"""), Node(patch)!, typeof(V1Pod)));
        Assert.Equal("BadRequest", error.Reason);
    }

    [Fact]
    public void Apply_MoreThanTenThousandOperations_Throws413()
    {
        var ops = new JsonArray(Enumerable.Range(0, 10001).Select(_ => (JsonNode?)Obj("""{"op":"test","path":"/a","value":1}""")).ToArray());
        Fails(413, () => PatchApplier.Apply(PatchApplier.JsonPatch, Obj("""{"a":1}"""), ops, typeof(V1Pod)));
    }

    [Fact]
    public void Apply_LaterOperationFails_OriginalUnchangedAndNothingHalfApplied()
    {
        var original = Obj("""{"a":1,"list":[1,2]}""");
        Fails(422, () => PatchApplier.Apply(PatchApplier.JsonPatch, original, Node("""[{"op":"remove","path":"/list/0"},{"op":"test","path":"/a","value":2}]""")!, typeof(V1Pod)));
        Json("""{"a":1,"list":[1,2]}""", original);
    }
}

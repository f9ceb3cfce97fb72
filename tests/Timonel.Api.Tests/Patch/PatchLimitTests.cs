using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Patch;
using Xunit;
using static Timonel.Api.Tests.Patch.PatchAssert;

namespace Timonel.Api.Tests.Patch;

/// <summary>The bounds on a patch's work: copy size, result size, and linear list merges.</summary>
public class PatchLimitTests
{
    private const string ConfigMap = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","annotations":{"a":"b"}},"data":{"k":"v"}}""";

    private static JsonObject Apply(string type, JsonObject document, string patch, Type? model = null) =>
        PatchApplier.Apply(type, document, Node(patch)!, model ?? typeof(V1ConfigMap));

    private static string CopyMetadataOps(int count) =>
        "[" + string.Join(",", Enumerable.Range(0, count).Select(i => $$"""{"op":"copy","from":"/metadata","path":"/metadata/annotations/m{{i}}"}""")) + "]";

    [Fact]
    public void JsonPatch_CopiesThatDoubleTheObject_RefusedWith422BeforeTheyGrow()
    {

        var error = Fails(422, () => Apply(PatchApplier.JsonPatch, Obj(ConfigMap), CopyMetadataOps(30)));

        Assert.Equal("Invalid", error.Reason);
        Assert.Contains("Unable to complete the copy, the accumulated size increase of copy is", error.Message, StringComparison.Ordinal);
        Assert.Contains("exceeding the limit 3145728", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonPatch_FewDoublingCopies_Apply()
    {
        var patched = Apply(PatchApplier.JsonPatch, Obj(ConfigMap), CopyMetadataOps(5));

        Assert.Equal(6, patched["metadata"]!["annotations"]!.AsObject().Count);
        Assert.NotNull(patched["metadata"]!["annotations"]!["m4"]!["annotations"]!["m3"]);
    }

    [Fact]
    public void JsonPatch_CopiesOfSmallValuesPastTheLimitInTotal_Refused()
    {
        // 1 KiB copied 3100 times adds just over 3 MiB: the limit counts all copies together.
        var doc = Obj(ConfigMap);
        doc["data"]!["big"] = new string('x', 1022);
        var ops = "[" + string.Join(",", Enumerable.Range(0, 3100).Select(i => $$"""{"op":"copy","from":"/data/big","path":"/data/c{{i}}"}""")) + "]";

        var error = Fails(422, () => Apply(PatchApplier.JsonPatch, doc, ops));

        Assert.Contains("exceeding the limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonPatch_ManyMovesOfALargeSubtree_StayFastAndKeepTheValue()
    {
        var doc = Obj(ConfigMap);
        doc["data"] = new JsonObject(Enumerable.Range(0, 20_000).Select(i => KeyValuePair.Create($"k{i}", (JsonNode?)"value")));
        var ops = "[" + string.Join(",", Enumerable.Range(0, 10_000).Select(i => i % 2 == 0
            ? """{"op":"move","from":"/data","path":"/moved"}"""
            : """{"op":"move","from":"/moved","path":"/data"}""")) + "]";

        var patched = Apply(PatchApplier.JsonPatch, doc, ops);

        Assert.Equal(20_000, patched["data"]!.AsObject().Count);
        Assert.False(patched.ContainsKey("moved"));
    }

    [Fact]
    public void MergePatch_ResultOverTheObjectLimit_RefusedWith413()
    {
        var doc = Obj(ConfigMap);
        doc["data"]!["a"] = new string('a', 2 * 1024 * 1024);
        var patch = new JsonObject { ["data"] = new JsonObject { ["b"] = new string('b', 2 * 1024 * 1024) } }.ToJsonString();

        var error = Fails(413, () => Apply(PatchApplier.MergePatch, doc, patch));

        Assert.Equal("RequestEntityTooLarge", error.Reason);
        Assert.Contains("Request entity too large", error.Message, StringComparison.Ordinal);
        Assert.Contains("3145728", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MergePatch_ResultJustUnderTheLimit_Applies()
    {
        var doc = Obj(ConfigMap);
        var patch = new JsonObject { ["data"] = new JsonObject { ["b"] = new string('b', 3 * 1024 * 1024 - 200) } }.ToJsonString();

        var patched = Apply(PatchApplier.MergePatch, doc, patch);

        Assert.Equal(3 * 1024 * 1024 - 200, patched["data"]!["b"]!.GetValue<string>().Length);
    }

    [Fact]
    public void StrategicMergePatch_ResultOverTheObjectLimit_RefusedWith413()
    {
        var doc = Obj(ConfigMap);
        doc["data"]!["a"] = new string('a', 2 * 1024 * 1024);
        var patch = new JsonObject { ["data"] = new JsonObject { ["b"] = new string('b', 2 * 1024 * 1024) } }.ToJsonString();

        Fails(413, () => Apply(PatchApplier.StrategicMergePatch, doc, patch));
    }

    [Fact]
    public void StrategicMergePatch_HugeFinalizerUnion_MergesEveryItem()
    {
        // finalizers merge as a set: a pairwise union of 100k items would take minutes.
        var doc = Obj(ConfigMap);
        doc["metadata"]!["finalizers"] = new JsonArray(Enumerable.Range(0, 100_000).Select(i => (JsonNode?)$"a.io/f{i}").ToArray());
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["finalizers"] = new JsonArray(Enumerable.Range(50_000, 100_000).Select(i => (JsonNode?)$"a.io/f{i}").ToArray()) },
        }.ToJsonString();

        var patched = Apply(PatchApplier.StrategicMergePatch, doc, patch);

        var finalizers = patched["metadata"]!["finalizers"]!.AsArray();
        Assert.Equal(150_000, finalizers.Count);
        Assert.Equal("a.io/f0", finalizers[0]!.GetValue<string>());
    }

    [Fact]
    public void StrategicMergePatch_HugeKeyedListMergeAndDelete_MergesEveryItem()
    {
        var containers = new JsonArray(Enumerable.Range(0, 30_000).Select(i => (JsonNode?)new JsonObject { ["name"] = $"c{i}", ["image"] = "old" }).ToArray());
        var doc = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = new JsonObject { ["name"] = "p" }, ["spec"] = new JsonObject { ["containers"] = containers } };
        var items = Enumerable.Range(0, 30_000).Select(i => (JsonNode?)(i % 2 == 0
            ? new JsonObject { ["name"] = $"c{i}", ["image"] = "new" }
            : new JsonObject { ["name"] = $"c{i}", ["$patch"] = "delete" })).ToArray();
        var order = Enumerable.Range(0, 30_000).Where(i => i % 2 == 0).Reverse().Select(i => (JsonNode?)new JsonObject { ["name"] = $"c{i}" }).ToArray();
        var patch = new StringBuilder(new JsonObject
        {
            ["spec"] = new JsonObject { ["$setElementOrder/containers"] = new JsonArray(order), ["containers"] = new JsonArray(items.Where((_, i) => i % 2 == 1).Concat(items.Where((_, i) => i % 2 == 0).Reverse()).ToArray()) },
        }.ToJsonString()).ToString();

        var patched = Apply(PatchApplier.StrategicMergePatch, doc, patch, typeof(V1Pod));

        var merged = patched["spec"]!["containers"]!.AsArray();
        Assert.Equal(15_000, merged.Count);
        Assert.Equal("c29998", merged[0]!["name"]!.GetValue<string>());
        Assert.All(merged, c => Assert.Equal("new", c!["image"]!.GetValue<string>()));
    }

    [Fact]
    public void StrategicMergePatch_HugeDeleteFromPrimitiveList_DeletesEveryItem()
    {
        var doc = Obj(ConfigMap);
        doc["metadata"]!["finalizers"] = new JsonArray(Enumerable.Range(0, 100_000).Select(i => (JsonNode?)$"a.io/f{i}").ToArray());
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["$deleteFromPrimitiveList/finalizers"] = new JsonArray(Enumerable.Range(0, 99_999).Select(i => (JsonNode?)$"a.io/f{i}").ToArray()) },
        }.ToJsonString();

        var patched = Apply(PatchApplier.StrategicMergePatch, doc, patch);

        Json("""["a.io/f99999"]""", patched["metadata"]!["finalizers"]);
    }

    [Fact]
    public void StrategicMergePatch_ScalarUnion_MatchesNumbersByValue()
    {
        var doc = Obj("""{"metadata":{"finalizers":[1, -0, 2]}}""");

        var patched = Apply(PatchApplier.StrategicMergePatch, doc, """{"metadata":{"finalizers":[1.0, 0, 1e400, 1e400]}}""");

        // 1.0 is 1 and 0 is -0; 1e400 (beyond a double) is kept once.
        Assert.Equal(4, patched["metadata"]!["finalizers"]!.AsArray().Count);
    }
}

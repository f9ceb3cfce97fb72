using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using k8s.Models;
using Timonel.Api.Errors;
using Timonel.Api.Patch;
using Xunit;

namespace Timonel.Api.Tests.Fuzz;

/// <summary>
/// Random and mutated patches against a valid Pod, for each patch engine: a patch either applies
/// or fails with an ApiException carrying a 4xx code, never another exception, and quickly.
/// </summary>
public class PatchFuzzTests
{
    private const string PodJson = """
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"web","namespace":"default","labels":{"app":"web"},"annotations":{"a":"b"},"finalizers":["a.io/one","b.io/two"]},
         "spec":{
           "containers":[
             {"name":"web","image":"nginx:1","ports":[{"containerPort":80,"protocol":"TCP"}],"env":[{"name":"A","value":"1"}]},
             {"name":"sidecar","image":"busybox","command":["sleep","inf"]}],
           "volumes":[{"name":"data","emptyDir":{}}],
           "tolerations":[{"key":"k1","operator":"Exists"}]},
         "status":{"phase":"Running","conditions":[{"type":"Ready","status":"False"}]}}
        """;

    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(400);

    private static readonly string[] Keys =
    [
        "metadata", "labels", "annotations", "finalizers", "name", "spec", "containers", "image", "ports", "containerPort",
        "env", "value", "volumes", "tolerations", "key", "status", "conditions", "x", "", "~", "/", "0", "-",
        "$patch", "$retainKeys", "$setElementOrder/containers", "$setElementOrder/finalizers", "$deleteFromPrimitiveList/finalizers",
        "$setElementOrder", "$deleteFromPrimitiveList/", "é", "\u0001",
    ];

    private static readonly string[] Pointers =
    [
        "", "/", "/metadata", "/metadata/labels", "/metadata/labels/app", "/metadata/labels/new", "/metadata/finalizers/0",
        "/metadata/finalizers/-", "/metadata/finalizers/9", "/metadata/finalizers/-1", "/metadata/finalizers/01", "/spec/containers",
        "/spec/containers/0", "/spec/containers/1/image", "/spec/containers/-", "/spec/containers/0/ports/0/containerPort",
        "/spec/nothing/deeper", "/status", "/a~1b", "/a~2b", "~", "metadata", "/spec/containers/99999999999999999999",
        "/metadata/annotations/a", "/metadata/annotations",
    ];

    private static readonly string[] Ops = ["add", "remove", "replace", "move", "copy", "test", "bogus", ""];

    private static Gen<JsonNode?> Scalar() => Gen.OneOf(
        Gen.Constant<JsonNode?>(null),
        Gen.Elements<JsonNode?>(true, false),
        Gen.Choose(-3, 100_000).Select(i => (JsonNode?)JsonValue.Create(i)),
        Gen.Elements("replace", "delete", "merge", "web", "sidecar", "a.io/one", "x", "", "é", "1e400").Select(s => (JsonNode?)JsonValue.Create(s)),
        Gen.Elements("1.5", "-0", "1e400", "12345678901234567890123456789").Select(n => JsonNode.Parse(n)));

    private static Gen<JsonNode?> Value(int depth)
    {
        if (depth <= 0)
        {
            return Scalar();
        }

        var member = Gen.Zip(Gen.Elements(Keys), Value(depth - 1));
        var obj = Gen.Choose(0, 4).SelectMany(n => Gen.ListOf(member, n)).Select(members =>
        {
            var o = new JsonObject();
            foreach (var (k, v) in members)
            {
                o[k] = v?.DeepClone();
            }

            return (JsonNode?)o;
        });
        var array = Gen.Choose(0, 4).SelectMany(n => Gen.ListOf(Value(depth - 1), n)).Select(items => (JsonNode?)new JsonArray([.. items.Select(i => i?.DeepClone())]));
        var keyed = Gen.Zip(Gen.Elements("web", "sidecar", "new", "data"), Value(depth - 1))
            .Select(p => (JsonNode?)new JsonObject { ["name"] = p.Item1, ["image"] = p.Item2?.DeepClone() });
        return Gen.Frequency((3, Scalar()), (3, obj), (2, array), (2, keyed));
    }

    private static Gen<JsonNode?> Operation() =>
        Gen.Elements(Ops).SelectMany(op => Gen.Zip(Gen.Elements(Pointers), Gen.Elements(Pointers)).Select(p => (Item1: op, Item2: p.Item1, Item3: p.Item2))).SelectMany(t =>
            Value(2).SelectMany(value => Gen.Choose(0, 9).Select(shape => (JsonNode?)(shape switch
            {
                0 => value?.DeepClone(), // not an operation object at all
                1 => new JsonObject { ["op"] = t.Item1, ["path"] = 3 },
                2 => new JsonObject { ["op"] = t.Item1 },
                _ => new JsonObject { ["op"] = t.Item1, ["path"] = t.Item2, ["from"] = t.Item3, ["value"] = value?.DeepClone() },
            }))));

    private static Gen<JsonNode> JsonPatchGen() => Gen.Frequency(
        (8, Gen.Choose(0, 8).SelectMany(n => Gen.ListOf(Operation(), n)).Select(ops => (JsonNode)new JsonArray([.. ops]))),
        (1, Value(2).Select(v => v?.DeepClone() ?? JsonValue.Create(0)!)));

    private static Gen<JsonNode> MergePatchGen() => Gen.Frequency(
        (8, Value(4).Select(v => (JsonNode)(v?.DeepClone() as JsonObject ?? new JsonObject { ["metadata"] = v?.DeepClone() }))),
        (1, Value(2).Select(v => v?.DeepClone() ?? JsonValue.Create("x")!)));

    /// <summary>Applies a patch: true when it applied or failed as a client error (anything else escapes and fails the property).</summary>
    private static bool AppliesOrRefusesWith4xx(string type, JsonNode patch)
    {
        try
        {
            _ = PatchApplier.Apply(type, JsonNode.Parse(PodJson)!.AsObject(), patch, typeof(V1Pod));
        }
        catch (ApiException e) when (e.Code is >= 400 and < 500)
        {
        }

        return true;
    }

    [Fact]
    public void JsonPatch_RandomOperations_ApplyOrFailWith4xx() =>
        Check.One(Runs, Prop.ForAll(JsonPatchGen().ToArbitrary(), patch => AppliesOrRefusesWith4xx(PatchApplier.JsonPatch, patch)));

    [Fact]
    public void MergePatch_RandomPatches_ApplyOrFailWith4xx() =>
        Check.One(Runs, Prop.ForAll(MergePatchGen().ToArbitrary(), patch => AppliesOrRefusesWith4xx(PatchApplier.MergePatch, patch)));

    [Fact]
    public void StrategicMergePatch_RandomPatches_ApplyOrFailWith4xx() =>
        Check.One(Runs, Prop.ForAll(MergePatchGen().ToArbitrary(), patch => AppliesOrRefusesWith4xx(PatchApplier.StrategicMergePatch, patch)));

    [Fact]
    public void StrategicMergePatch_MutatedKubectlPatch_ApplyOrFailWith4xx()
    {
        // A real kubectl apply patch, with one member at a time replaced by something random.
        const string Kubectl = """
            {"metadata":{"$deleteFromPrimitiveList/finalizers":["a.io/one"],"$setElementOrder/finalizers":["b.io/two"]},
             "spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"web"}],
                     "containers":[{"name":"web","image":"nginx:2","$retainKeys":["name","image"]},{"$patch":"delete","name":"sidecar"}],
                     "tolerations":[{"$patch":"replace"}]}}
            """;
        var paths = new[] { "metadata", "spec", "spec.containers", "spec.$setElementOrder/containers", "metadata.$deleteFromPrimitiveList/finalizers", "spec.tolerations" };
        var gen = Gen.Zip(Gen.Elements(paths), Value(2)).Select(p =>
        {
            var patch = JsonNode.Parse(Kubectl)!.AsObject();
            var parts = p.Item1.Split('.');
            var parent = parts.Length == 1 ? patch : patch[parts[0]]!.AsObject();
            parent[parts[^1]] = p.Item2?.DeepClone();
            return (JsonNode)patch;
        });

        Check.One(Runs, Prop.ForAll(gen.ToArbitrary(), patch => AppliesOrRefusesWith4xx(PatchApplier.StrategicMergePatch, patch)));
    }
}

using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.FieldManagement;
using Xunit;

namespace Timonel.Api.Tests.FieldManagement;

public class ApplyMergeTests
{
    private static readonly SchemaNode DeploymentSchema = ModelSchemaNode.For(typeof(V1Deployment));
    private static readonly SchemaNode PodSchema = ModelSchemaNode.For(typeof(V1Pod));

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void ToFieldSet_Deployment_OwnsLeavesListItemsAndLabelEntries_NotStructs()
    {
        var config = Obj("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
               "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1","ports":[{"containerPort":80}]}]}}}}
            """);

        var set = ObjectFields.ToFieldSet(config, DeploymentSchema, strict: true);

        var text = set.ToFieldsV1().ToJsonString();
        Assert.Contains("\"f:selector\":{}", text, StringComparison.Ordinal);
        Assert.Contains("\"f:labels\":{\"f:app\":{}}", text, StringComparison.Ordinal);
        string[] container = ["f:spec", "f:template", "f:spec", "f:containers", "k:{\"name\":\"nginx\"}"];
        Assert.True(set.Has(container));
        Assert.True(set.Has([.. container, "f:ports", "k:{\"containerPort\":80,\"protocol\":\"TCP\"}"]));
        Assert.False(set.Has(["f:spec"]));
        Assert.True(set.Has(["f:spec", "f:replicas"]));
    }

    [Fact]
    public void ToFieldSet_ListItemWithoutKey_Strict_Throws()
    {
        var config = Obj("""{"spec":{"containers":[{"image":"nginx"}]}}""");

        var e = Assert.Throws<FieldPathException>(() => ObjectFields.ToFieldSet(config, PodSchema, strict: true));

        Assert.Equal(".spec.containers", e.Path);
        Assert.Contains("omits key field \"name\"", e.Problem, StringComparison.Ordinal);
        Assert.True(ObjectFields.ToFieldSet(config, PodSchema).Children.Count == 0);
    }

    [Fact]
    public void Merge_ListMap_MergesItemsByKey_KeepsOthers()
    {
        var live = Obj("""{"spec":{"containers":[{"name":"a","image":"1","args":["x"]},{"name":"b","image":"2"}]}}""");
        var config = Obj("""{"spec":{"containers":[{"name":"b","image":"3"},{"name":"c","image":"4"}]}}""");

        var merged = ApplyMerge.Merge(live, config, PodSchema);

        Assert.Equal("""{"spec":{"containers":[{"name":"a","image":"1","args":["x"]},{"name":"b","image":"3"},{"name":"c","image":"4"}]}}""", merged.ToJsonString());
    }

    [Fact]
    public void Merge_Set_UnionsValues_AtomicList_Replaced()
    {
        var live = Obj("""{"metadata":{"finalizers":["a","b"]},"spec":{"containers":[{"name":"a","args":["1","2"]}]}}""");
        var config = Obj("""{"metadata":{"finalizers":["c","a"]},"spec":{"containers":[{"name":"a","args":["3"]}]}}""");

        var merged = ApplyMerge.Merge(live, config, PodSchema);

        Assert.Equal("""["c","a","b"]""", merged["metadata"]!["finalizers"]!.ToJsonString());
        Assert.Equal("""["3"]""", merged["spec"]!["containers"]![0]!["args"]!.ToJsonString());
    }

    [Fact]
    public void Merge_AtomicStruct_ReplacedWhole_GranularMap_Merged()
    {
        var live = Obj("""{"metadata":{"labels":{"a":"1"}},"spec":{"selector":{"matchLabels":{"a":"1"},"matchExpressions":[]}}}""");
        var config = Obj("""{"metadata":{"labels":{"b":"2"}},"spec":{"selector":{"matchLabels":{"b":"2"}}}}""");

        var merged = ApplyMerge.Merge(live, config, DeploymentSchema);

        Assert.Equal("""{"a":"1","b":"2"}""", merged["metadata"]!["labels"]!.ToJsonString());
        Assert.Equal("""{"matchLabels":{"b":"2"}}""", merged["spec"]!["selector"]!.ToJsonString());
    }

    [Fact]
    public void Merge_UntypedModel_MergesObjectsKeyByKey()
    {
        var schema = ModelSchemaNode.For(typeof(JsonObject));
        var live = Obj("""{"spec":{"a":1,"list":[1,2]},"status":{"ok":true}}""");
        var config = Obj("""{"spec":{"b":2,"list":[3]}}""");

        var merged = ApplyMerge.Merge(live, config, schema);

        Assert.Equal(SchemaKind.Map, schema.Kind);
        Assert.Equal("""{"spec":{"a":1,"list":[3],"b":2},"status":{"ok":true}}""", merged.ToJsonString());
    }

    [Fact]
    public void Compare_ReportsAddedModifiedRemoved()
    {
        var before = Obj("""{"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"replicas":1}}""");
        var after = Obj("""{"metadata":{"labels":{"a":"9","c":"3"}},"spec":{"replicas":1,"paused":true}}""");

        var cmp = ObjectFields.Compare(before, after, DeploymentSchema);

        Assert.Equal([".metadata.labels.c", ".spec.paused"], cmp.Added.Paths().Select(FieldPath.Display));
        Assert.Equal([".metadata.labels.a"], cmp.Modified.Paths().Select(FieldPath.Display));
        Assert.Equal([".metadata.labels.b"], cmp.Removed.Paths().Select(FieldPath.Display));
    }
}

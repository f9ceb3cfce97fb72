using System.Text.Json.Nodes;
using Timonel.Api.FieldManagement;
using Xunit;

namespace Timonel.Api.Tests.FieldManagement;

public class FieldSetTests
{
    private const string Fields = """
        {"f:metadata":{"f:labels":{".":{},"f:app":{}}},
         "f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}},
         "f:finalizers":{"v:\"a.io/x\"":{}},"f:items":{"i:3":{}}}
        """;

    [Fact]
    public void FromFieldsV1_RoundTrip_KeepsEveryPathAndDotMarker()
    {
        var set = FieldSet.FromFieldsV1(JsonNode.Parse(Fields))!;

        var back = set.ToFieldsV1();

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Fields), back), back.ToJsonString());
        Assert.True(set.Has(["f:metadata", "f:labels"]));
        Assert.False(set.Has(["f:metadata"]));
        Assert.True(set.Has(["f:spec", "f:template", "f:spec", "f:containers", "k:{\"name\":\"nginx\"}", "f:image"]));
    }

    [Fact]
    public void FromFieldsV1_KeysInAnotherOrder_AreTheSameElement()
    {
        var set = FieldSet.FromFieldsV1(JsonNode.Parse("""{"f:ports":{"k:{\"protocol\":\"TCP\",\"containerPort\":80}":{}}}"""))!;

        Assert.True(set.Has(["f:ports", FieldPath.Key([KeyValuePair.Create("containerPort", (JsonNode?)80), KeyValuePair.Create("protocol", (JsonNode?)"TCP")])]));
    }

    [Theory]
    [InlineData("""{"x:a":{}}""")]
    [InlineData("""{"f:a":1}""")]
    [InlineData("""{"k:notjson":{}}""")]
    [InlineData("""[]""")]
    public void FromFieldsV1_NotAFieldSet_IsNull(string json)
    {
        Assert.Null(FieldSet.FromFieldsV1(JsonNode.Parse(json)));
    }

    [Fact]
    public void Difference_RemovesMembersLevelByLevel_AndDropsEmptyChildren()
    {
        var a = Set(["f:spec", "f:replicas"], ["f:spec", "f:paused"], ["f:metadata", "f:labels", "f:app"]);
        var b = Set(["f:spec", "f:replicas"], ["f:metadata", "f:labels", "f:app"]);

        var rest = a.Difference(b);

        Assert.Equal([".spec.paused"], rest.Paths().Select(FieldPath.Display));
        Assert.False(rest.Children.ContainsKey("f:metadata"));
    }

    [Fact]
    public void IntersectionAndUnion_CombineSets()
    {
        var a = Set(["f:spec", "f:replicas"], ["f:spec", "f:paused"]);
        var b = Set(["f:spec", "f:replicas"], ["f:status"]);

        Assert.Equal([".spec.replicas"], a.Intersection(b).Paths().Select(FieldPath.Display));
        Assert.Equal([".spec.paused", ".spec.replicas", ".status"], a.Union(b).Paths().Select(FieldPath.Display));
    }

    [Fact]
    public void Display_PrintsUpstreamPathStrings()
    {
        var key = FieldPath.Key([KeyValuePair.Create("containerPort", (JsonNode?)80), KeyValuePair.Create("protocol", (JsonNode?)"TCP")]);

        Assert.Equal(".spec.ports[containerPort=80,protocol=\"TCP\"].name", FieldPath.Display(["f:spec", "f:ports", key, "f:name"]));
        Assert.Equal(".metadata.finalizers[=\"a.io/x\"]", FieldPath.Display(["f:metadata", "f:finalizers", FieldPath.Value("a.io/x")]));
        Assert.Equal(".items[2]", FieldPath.Display(["f:items", FieldPath.Index(2)]));
    }

    internal static FieldSet Set(params string[][] paths)
    {
        var set = new FieldSet();
        foreach (var path in paths)
        {
            set.Insert(path);
        }

        return set;
    }
}

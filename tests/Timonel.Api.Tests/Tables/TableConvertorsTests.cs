using System.Text.Json.Nodes;
using Timonel.Registry.Resources;
using Timonel.Registry.Tables;
using Xunit;
using static Timonel.Api.Tests.Tables.TableTestData;

namespace Timonel.Api.Tests.Tables;

public class TableConvertorsTests
{
    /// <summary>One row per definition: a definition served in several versions has one table.</summary>
    public static TheoryData<string, string> CatalogResources()
    {
        var data = new TheoryData<string, string>();
        foreach (var r in ResourceCatalog.Default.Primary)
        {
            data.Add(r.Group, r.Plural);
        }

        return data;
    }

    private static ITableConvertor For(string group, string plural) =>
        TableConvertors.For(ResourceCatalog.Default.All.First(r => r.Group == group && r.Plural == plural));

    private static readonly string[] Garbage =
    [
        "{}",
        """{"metadata":null,"spec":null,"status":null}""",
        """{"metadata":{"name":5,"creationTimestamp":"yesterday","labels":[1],"annotations":"x","ownerReferences":{"a":1}},"spec":[],"status":"broken"}""",
        """{"spec":{"ports":[1,null,{"port":"eighty"}],"rules":"x","metrics":[{"type":"Resource"}],"subjects":{"kind":"User"}},"status":{"conditions":[null,{"type":7}],"hard":{"cpu":"lots"}},"subsets":[{"addresses":"x"}],"data":"str","roleRef":3,"series":{}}""",
    ];

    [Theory]
    [MemberData(nameof(CatalogResources))]
    public void For_EveryServedResource_HasWellFormedColumns(string group, string plural)
    {
        var convertor = For(group, plural);
        var types = new[] { "string", "integer", "date", "number", "boolean" };

        Assert.All(convertor.Columns, c => Assert.Contains(c.Type, types));
        Assert.All(convertor.Columns, c => Assert.InRange(c.Priority, 0, 1));
        Assert.All(convertor.Columns, c => Assert.False(string.IsNullOrWhiteSpace(c.Description)));
        var name = Assert.Single(convertor.Columns, c => c.Name == "Name");
        Assert.Equal("name", name.Format);
    }

    [Theory]
    [MemberData(nameof(CatalogResources))]
    public void Cells_MissingOrMistypedFields_GiveOneCellPerColumnWithoutThrowing(string group, string plural)
    {
        var convertor = For(group, plural);
        foreach (var json in Garbage)
        {
            var cells = convertor.Cells(Parse(json), Now);

            Assert.Equal(convertor.Columns.Count, cells.Count);
            Assert.All(cells, c => Assert.True(c is null or string or long or bool, $"cell of type {c?.GetType()}"));
        }
    }

    /// <summary>The resources that can be read (get or list): create-only ones (reviews, bindings) are never printed as tables.</summary>
    public static TheoryData<string, string> ReadableResources()
    {
        var data = new TheoryData<string, string>();
        foreach (var r in ResourceCatalog.Default.All.Where(r => r.Definition.Verbs.Contains("get")))
        {
            data.Add(r.Group, r.Plural);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReadableResources))]
    public void For_EveryServedResource_HasItsOwnTable(string group, string plural)
    {
        var columns = For(group, plural).Columns.Select(c => c.Name).ToList();

        Assert.NotEqual(["Name", "Age"], columns);
    }

    [Fact]
    public void For_UnknownResource_GivesNameAndAge()
    {
        var widget = new ResourceDefinition("example.com", "v1", "Widget", "widgets", true, typeof(object)).Served[0];
        var convertor = TableConvertors.For(widget);
        var obj = Parse($$$"""{"metadata":{"name":"w1","creationTimestamp":"{{{Ago(TimeSpan.FromSeconds(90))}}}"}}""");

        Assert.Equal(["Name", "Age"], convertor.Columns.Select(c => c.Name));
        Assert.Equal(["string", "string"], convertor.Columns.Select(c => c.Type));
        Assert.Equal<object?>(["w1", "90s"], convertor.Cells(obj, Now));
        Assert.Equal<object?>(["", "<unknown>"], convertor.Cells(new JsonObject(), Now));
    }

    [Fact]
    public void For_SamePluralInOtherGroup_IsNotConfused()
    {
        var foreignPods = new ResourceDefinition("example.com", "v1", "Pod", "pods", true, typeof(object)).Served[0];

        Assert.Equal(["Name", "Age"], TableConvertors.For(foreignPods).Columns.Select(c => c.Name));
    }

    [Fact]
    public void For_RolesAndLimitRanges_UseUpstreamDefaultCreatedAtTable()
    {
        var obj = Parse("""{"metadata":{"name":"reader","creationTimestamp":"2024-05-01T08:30:00Z"}}""");
        foreach (var (group, plural) in new[] { ("rbac.authorization.k8s.io", "roles"), ("rbac.authorization.k8s.io", "clusterroles"), ("", "limitranges") })
        {
            var convertor = For(group, plural);

            Assert.Equal(["Name", "Created At"], convertor.Columns.Select(c => c.Name));
            Assert.Equal("date", convertor.Columns[1].Type);
            Assert.Equal<object?>(["reader", "2024-05-01T08:30:00Z"], convertor.Cells(obj, Now));
        }
    }
}

using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Xunit;
using static Timonel.Api.Tests.Selectors.SelectorTestData;

namespace Timonel.Api.Tests.Selectors;

public class LabelSelectorMatchTests
{
    [Theory]
    [InlineData("", "a=b", true)]
    [InlineData("", "", true)]
    [InlineData("a=b", "a=b", true)]
    [InlineData("a=b", "a=c", false)]
    [InlineData("a=b", "", false)]
    [InlineData("a==b", "a=b", true)]
    [InlineData("a==b", "a=c", false)]
    [InlineData("a!=b", "", true)]
    [InlineData("a!=b", "a=b", false)]
    [InlineData("a!=b", "a=c", true)]
    [InlineData("a in (b,c)", "a=c", true)]
    [InlineData("a in (b,c)", "a=d", false)]
    [InlineData("a in (b,c)", "", false)]
    [InlineData("a notin (b,c)", "", true)]
    [InlineData("a notin (b,c)", "a=b", false)]
    [InlineData("a notin (b,c)", "a=d", true)]
    [InlineData("a", "a=", true)]
    [InlineData("a", "b=a", false)]
    [InlineData("!a", "", true)]
    [InlineData("!a", "a=x", false)]
    [InlineData("a>5", "a=6", true)]
    [InlineData("a>5", "a=5", false)]
    [InlineData("a>5", "a=x", false)]
    [InlineData("a>5", "", false)]
    [InlineData("a<5", "a=-1", true)]
    [InlineData("a<5", "a=10", false)]
    [InlineData("a>0", "a=+1", true)]
    [InlineData("a>0", "a= 1", false)]
    [InlineData("a=", "a=", true)]
    [InlineData("a=", "", false)]
    [InlineData("a=b,c!=d", "a=b;c=e", true)]
    [InlineData("a=b,c!=d", "a=b;c=d", false)]
    [InlineData("a=b,c!=d", "c=e", false)]
    [InlineData("notin=in", "notin=in", true)]
    [InlineData("A=b", "a=b", false)]
    public void Matches_Table(string selector, string labels, bool expected)
    {
        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(Labels(labels)));
    }

    [Fact]
    public void Nothing_MatchesNoLabelsAndIsNotEmpty()
    {
        Assert.False(LabelSelector.Nothing.Matches(Labels("")));
        Assert.False(LabelSelector.Nothing.Matches(Labels("a=b")));
        Assert.False(LabelSelector.Nothing.IsEmpty);
    }

    [Fact]
    public void FromSet_RequiresEveryPair()
    {
        var selector = LabelSelector.FromSet(Labels("app=web;tier=front"));

        Assert.Equal("app=web,tier=front", selector.ToString());
        Assert.True(selector.Matches(Labels("app=web;tier=front;x=y")));
        Assert.False(selector.Matches(Labels("app=web")));
        Assert.True(LabelSelector.FromSet(null).IsEmpty);
    }

    [Fact]
    public void MatchesObject_ReadsMetadataLabels()
    {
        var pod = System.Text.Json.Nodes.JsonNode.Parse("""{"metadata":{"name":"p","labels":{"app":"web"}}}""")!.AsObject();
        var bare = System.Text.Json.Nodes.JsonNode.Parse("""{"metadata":{"name":"q"}}""")!.AsObject();

        Assert.True(LabelSelector.Parse("app=web").MatchesObject(pod));
        Assert.False(LabelSelector.Parse("app=web").MatchesObject(bare));
        Assert.True(LabelSelector.Parse("app!=web").MatchesObject(bare));
    }

    [Fact]
    public void Create_ValidRequirement_Matches()
    {
        var requirement = LabelRequirement.Create("tier", SelectionOperator.NotIn, ["a", "b"]);

        Assert.Equal("tier notin (a,b)", requirement.ToString());
        Assert.True(requirement.Matches(Labels("")));
        Assert.False(requirement.Matches(Labels("tier=a")));
    }

    [Theory]
    [InlineData(SelectionOperator.Equals, new[] { "a", "b" }, "values: Invalid value: [\"a\",\"b\"]: exact-match compatibility requires one single value")]
    [InlineData(SelectionOperator.In, new string[0], "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty")]
    [InlineData(SelectionOperator.Exists, new[] { "a" }, "values: Invalid value: [\"a\"]: values set must be empty for exists and does not exist")]
    [InlineData(SelectionOperator.GreaterThan, new[] { "x" }, "values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer")]
    [InlineData(SelectionOperator.LessThan, new[] { "1", "2" }, "values: Invalid value: [\"1\",\"2\"]: for 'Gt', 'Lt' operators, exactly one value is required")]
    public void Create_WrongValuesForOperator_ThrowsBadRequest(SelectionOperator op, string[] values, string message)
    {
        var e = Assert.Throws<ApiException>(() => LabelRequirement.Create("k", op, values));

        Assert.Equal(400, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Create_BadKeyAndBadValue_ReportsBothAsAggregate()
    {
        var e = Assert.Throws<ApiException>(() => LabelRequirement.Create("-k", SelectionOperator.Equals, ["-v"]));

        Assert.StartsWith("[key: Invalid value: \"-k\": name part must consist of", e.Message, StringComparison.Ordinal);
        Assert.Contains(", values[0][-k]: Invalid value: \"-v\": a valid label must be an empty string", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_KeyEndingInNewline_RejectedAsGoRegexWould()
    {
        var e = Assert.Throws<ApiException>(() => LabelRequirement.Create("a\n", SelectionOperator.Exists, []));

        Assert.StartsWith("key: Invalid value: \"a\\n\": name part must consist of", e.Message, StringComparison.Ordinal);
    }
}

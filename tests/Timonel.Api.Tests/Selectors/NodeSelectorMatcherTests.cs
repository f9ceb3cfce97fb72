using k8s.Models;
using Timonel.Api.Selectors;
using Xunit;

namespace Timonel.Api.Tests.Selectors;

public sealed class NodeSelectorMatcherTests
{
    private static readonly V1Node Node = new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "node-a",
            Labels = new Dictionary<string, string> { ["zone"] = "z1", ["cores"] = "8", ["gpu"] = "" },
        },
    };

    [Theory]
    [InlineData("zone", "In", new[] { "z1", "z2" }, true)]
    [InlineData("zone", "In", new[] { "z2" }, false)]
    [InlineData("zone", "NotIn", new[] { "z2" }, true)]
    [InlineData("zone", "NotIn", new[] { "z1" }, false)]
    [InlineData("absent", "NotIn", new[] { "x" }, true)]
    [InlineData("gpu", "Exists", new string[0], true)]
    [InlineData("absent", "Exists", new string[0], false)]
    [InlineData("absent", "DoesNotExist", new string[0], true)]
    [InlineData("zone", "DoesNotExist", new string[0], false)]
    [InlineData("cores", "Gt", new[] { "4" }, true)]
    [InlineData("cores", "Gt", new[] { "8" }, false)]
    [InlineData("cores", "Lt", new[] { "+9" }, true)]
    [InlineData("cores", "Lt", new[] { "-1" }, false)]
    [InlineData("zone", "Gt", new[] { "1" }, false)]
    [InlineData("absent", "Lt", new[] { "100" }, false)]
    public void Matches_LabelOperator_AsUpstream(string key, string op, string[] values, bool expected) =>
        Assert.Equal(expected, Matcher(Term(labels: [Req(key, op, values)])).Matches(Node));

    [Theory]
    [InlineData("In", new[] { "node-a" }, true)]
    [InlineData("In", new[] { "node-b" }, false)]
    [InlineData("NotIn", new[] { "node-b" }, true)]
    [InlineData("NotIn", new[] { "node-a" }, false)]
    public void Matches_MetadataNameField_AsUpstream(string op, string[] values, bool expected) =>
        Assert.Equal(expected, Matcher(Term(fields: [Req("metadata.name", op, values)])).Matches(Node));

    [Theory]
    [InlineData("zone", "In", new string[0])]
    [InlineData("gpu", "Exists", new[] { "x" })]
    [InlineData("cores", "Gt", new[] { "1", "2" })]
    [InlineData("cores", "Gt", new[] { " 4" })]
    [InlineData("zone", "Like", new[] { "z1" })]
    public void Matches_MalformedLabelRequirement_TermMatchesNothing(string key, string op, string[] values)
    {
        // The same term without the malformed requirement matches: the requirement alone drops it.
        Assert.True(Matcher(Term(labels: [Req("zone", "In", ["z1"])])).Matches(Node));
        Assert.False(Matcher(Term(labels: [Req("zone", "In", ["z1"]), Req(key, op, values)])).Matches(Node));
    }

    [Theory]
    [InlineData("In", new[] { "node-a", "node-b" })]
    [InlineData("Exists", new string[0])]
    public void Matches_MalformedFieldRequirement_TermMatchesNothing(string op, string[] values) =>
        Assert.False(Matcher(Term(fields: [Req("metadata.name", op, values)])).Matches(Node));

    [Fact]
    public void Matches_UnknownField_InFailsNotInHolds()
    {
        Assert.False(Matcher(Term(fields: [Req("spec.other", "In", ["x"])])).Matches(Node));
        Assert.True(Matcher(Term(fields: [Req("spec.other", "NotIn", ["x"])])).Matches(Node));
    }

    [Fact]
    public void Matches_TermsOredRequirementsAnded()
    {
        var failing = Term(labels: [Req("zone", "In", ["z1"]), Req("cores", "Lt", ["2"])]);
        var passing = Term(labels: [Req("zone", "In", ["z1"])], fields: [Req("metadata.name", "In", ["node-a"])]);
        Assert.False(Matcher(failing).Matches(Node));
        Assert.True(Matcher(failing, passing).Matches(Node));
    }

    [Fact]
    public void Matches_EmptyTermOrNoTerms_MatchesNothing()
    {
        Assert.False(Matcher(new V1NodeSelectorTerm()).Matches(Node));
        Assert.False(NodeSelectorMatcher.From(new V1NodeSelector { NodeSelectorTerms = [] }).Matches(Node));
    }

    [Fact]
    public void RequiredNodeAffinity_NodeSelectorAndAffinityBothRequired()
    {
        var spec = new V1PodSpec
        {
            NodeSelector = new Dictionary<string, string> { ["zone"] = "z1" },
            Affinity = new V1Affinity { NodeAffinity = new V1NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = [Term(labels: [Req("cores", "Gt", ["4"])])] } } },
        };
        Assert.True(RequiredNodeAffinity.Of(spec).Matches(Node));
        spec.NodeSelector["zone"] = "z2";
        Assert.False(RequiredNodeAffinity.Of(spec).Matches(Node));
        Assert.True(RequiredNodeAffinity.Of(new V1PodSpec()).IsEmpty);
    }

    private static NodeSelectorMatcher Matcher(params V1NodeSelectorTerm[] terms) => NodeSelectorMatcher.From(new V1NodeSelector { NodeSelectorTerms = terms });

    private static V1NodeSelectorTerm Term(V1NodeSelectorRequirement[]? labels = null, V1NodeSelectorRequirement[]? fields = null) =>
        new() { MatchExpressions = labels, MatchFields = fields };

    private static V1NodeSelectorRequirement Req(string key, string op, string[] values) => new() { Key = key, OperatorProperty = op, Values = values };
}

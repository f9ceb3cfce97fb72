using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Xunit;
using static Timonel.Api.Tests.Selectors.SelectorTestData;

namespace Timonel.Api.Tests.Selectors;

public class MetaLabelSelectorTests
{
    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    [Fact]
    public void FromLabelSelectorJson_Null_MatchesNothing()
    {
        var selector = LabelSelector.FromLabelSelectorJson(null);

        Assert.False(selector.Matches(Labels("")));
        Assert.False(selector.Matches(Labels("a=b")));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"matchLabels":{},"matchExpressions":[]}""")]
    [InlineData("""{"matchLabels":null}""")]
    public void FromLabelSelectorJson_Empty_MatchesEverything(string json)
    {
        var selector = LabelSelector.FromLabelSelectorJson(Json(json));

        Assert.True(selector.IsEmpty);
        Assert.True(selector.Matches(Labels("")));
        Assert.True(selector.Matches(Labels("a=b")));
    }

    [Theory]
    [InlineData("""{"matchLabels":{"app":"web"}}""", "app=web;x=y", true)]
    [InlineData("""{"matchLabels":{"app":"web"}}""", "app=db", false)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]}""", "tier=b", true)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]}""", "", false)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"NotIn","values":["a"]}]}""", "", true)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"NotIn","values":["a"]}]}""", "tier=a", false)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"Exists"}]}""", "tier=", true)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"Exists","values":[]}]}""", "", false)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"DoesNotExist"}]}""", "", true)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"DoesNotExist"}]}""", "tier=a", false)]
    [InlineData("""{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"Exists"}]}""", "app=web", false)]
    public void FromLabelSelectorJson_Matches(string json, string labels, bool expected)
    {
        Assert.Equal(expected, LabelSelector.FromLabelSelectorJson(Json(json)).Matches(Labels(labels)));
    }

    [Fact]
    public void FromLabelSelectorJson_Mixed_SortedCanonicalString()
    {
        var selector = LabelSelector.FromLabelSelectorJson(Json("""{"matchLabels":{"z":"1"},"matchExpressions":[{"key":"a","operator":"In","values":["y","x"]}]}"""));

        Assert.Equal("a in (x,y),z=1", selector.ToString());
    }

    [Theory]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Foo"}]}""", "\"Foo\" is not a valid label selector operator")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"In","values":[]}]}""", "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Exists","values":["b"]}]}""", "values: Invalid value: [\"b\"]: values set must be empty for exists and does not exist")]
    [InlineData("""{"matchLabels":{"a":"-b"}}""", "values[0][a]: Invalid value: \"-b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")]
    [InlineData("""{"matchLabels":{"a":1}}""", "matchLabels[a]: must be a string")]
    [InlineData("""{"matchExpressions":{"key":"a"}}""", "matchExpressions: must be a list")]
    public void FromLabelSelectorJson_Invalid_ThrowsBadRequest(string json, string message)
    {
        var e = Assert.Throws<ApiException>(() => LabelSelector.FromLabelSelectorJson(Json(json)));

        Assert.Equal(400, e.Code);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Validate_Null_NoProblems()
    {
        Assert.Empty(MetaLabelSelector.Validate(null, "spec.selector"));
    }

    [Fact]
    public void Validate_ValidSelector_NoProblems()
    {
        var selector = Json("""{"matchLabels":{"example.com/app":"web"},"matchExpressions":[{"key":"tier","operator":"NotIn","values":["a",""]}]}""");

        Assert.Empty(MetaLabelSelector.Validate(selector, "spec.selector"));
    }

    [Fact]
    public void Validate_EveryProblem_ListedWithFieldPath()
    {
        var selector = Json("""
            {"matchLabels":{"-bad":"ok"},
             "matchExpressions":[
               {"key":"a","operator":"In"},
               {"key":"b","operator":"Exists","values":["x"]},
               {"key":"c","operator":"Foo"},
               {"key":"d","operator":"In","values":["-v"]}]}
            """);

        var errors = MetaLabelSelector.Validate(selector, "spec.selector");

        Assert.Collection(
            errors,
            e => Assert.Equal((FieldErrorType.Invalid, "spec.selector.matchLabels", "-bad"), (e.Type, e.Field, e.BadValue)),
            e => Assert.Equal("spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'", e.ToString()),
            e => Assert.Equal("spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'", e.ToString()),
            e => Assert.Equal("spec.selector.matchExpressions[2].operator: Invalid value: \"Foo\": not a valid selector operator", e.ToString()),
            e => Assert.Equal((FieldErrorType.Invalid, "spec.selector.matchExpressions[3].values[0]", "-v"), (e.Type, e.Field, e.BadValue)));
    }
}

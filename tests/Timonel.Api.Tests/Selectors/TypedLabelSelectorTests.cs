using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Xunit;
using static Timonel.Api.Tests.Selectors.SelectorTestData;

namespace Timonel.Api.Tests.Selectors;

/// <summary>
/// The typed overloads (V1LabelSelector, built without a JSON round trip) against the JSON form
/// they replace: the same selector, the same errors.
/// </summary>
public class TypedLabelSelectorTests
{
    private static V1LabelSelector Typed(string json) => KubernetesJson.Deserialize<V1LabelSelector>(json);

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    [Fact]
    public void From_Null_MatchesNothing()
    {
        var selector = LabelSelector.From((V1LabelSelector?)null);

        Assert.Same(LabelSelector.Nothing, selector);
        Assert.False(selector.Matches(Labels("")));
    }

    [Fact]
    public void From_NullWithMatchLabelValues_StillMatchesNothing()
    {
        var selector = LabelSelector.From(null, [new("app", "web")]);

        Assert.False(selector.Matches(Labels("app=web")));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"matchLabels":{},"matchExpressions":[]}""")]
    public void From_Empty_MatchesEverything(string json)
    {
        var selector = LabelSelector.From(Typed(json));

        Assert.True(selector.IsEmpty);
        Assert.True(selector.Matches(Labels("a=b")));
    }

    [Theory]
    [InlineData("""{"matchLabels":{"app":"web"}}""", "app=web;x=y")]
    [InlineData("""{"matchLabels":{"app":"web"}}""", "app=db")]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]}""", "tier=b")]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]}""", "")]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"NotIn","values":["a"]}]}""", "")]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"NotIn","values":["a"]}]}""", "tier=a")]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"Exists"}]}""", "tier=")]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"DoesNotExist"}]}""", "tier=a")]
    [InlineData("""{"matchLabels":{"z":"1","app":"web"},"matchExpressions":[{"key":"a","operator":"In","values":["y","x"]}]}""", "app=web;z=1;a=x")]
    public void From_Valid_SameSelectorAsJson(string json, string labels)
    {
        var typed = LabelSelector.From(Typed(json));
        var fromJson = LabelSelector.FromLabelSelectorJson(Json(json));

        Assert.Equal(fromJson.ToString(), typed.ToString());
        Assert.Equal(fromJson.Matches(Labels(labels)), typed.Matches(Labels(labels)));
    }

    [Theory]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Foo"}]}""")]
    [InlineData("""{"matchExpressions":[{"key":"a"}]}""")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"In","values":[]}]}""")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Exists","values":["b"]}]}""")]
    [InlineData("""{"matchExpressions":[{"operator":"Exists"}]}""")]
    [InlineData("""{"matchLabels":{"a":"-b"}}""")]
    [InlineData("""{"matchLabels":{"-a":"b"}}""")]
    public void From_Invalid_SameBadRequestAsJson(string json)
    {
        var expected = Assert.Throws<ApiException>(() => LabelSelector.FromLabelSelectorJson(Json(json)));

        var e = Assert.Throws<ApiException>(() => LabelSelector.From(Typed(json)));

        Assert.Equal(400, e.Code);
        Assert.Equal(expected.Message, e.Message);
    }

    [Fact]
    public void From_MatchLabelValues_AllMustHold()
    {
        var selector = LabelSelector.From(Typed("""{"matchLabels":{"app":"web"}}"""), [new("pod-template-hash", "abc")]);

        Assert.True(selector.Matches(Labels("app=web;pod-template-hash=abc")));
        Assert.False(selector.Matches(Labels("app=web;pod-template-hash=xyz")));
        Assert.False(selector.Matches(Labels("app=web")));
    }

    [Fact]
    public void From_MatchLabelValuesWithInvalidValue_NotValidated()
    {
        // Upstream's SelectorFromSet does not validate: the pod's own label values are taken as they are.
        var selector = LabelSelector.From(Typed("{}"), [new("app", "-web-")]);

        Assert.True(selector.Matches(Labels("app=-web-")));
        Assert.False(selector.Matches(Labels("app=web")));
    }
}

using System.Text.Json.Nodes;
using Timonel.ApiServer.Registry.Conversion;
using Timonel.Registry.CustomResources;
using Xunit;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>Upstream's checks of a conversion webhook's answer, and the default deprecation text's choice of version.</summary>
public sealed class ConversionReviewResponseTests
{
    private static JsonObject Answer(string uid, string status = "Success", string apiVersion = "apiextensions.k8s.io/v1", params JsonNode[] objects) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = "ConversionReview",
        ["response"] = new JsonObject
        {
            ["uid"] = uid,
            ["result"] = new JsonObject { ["status"] = status },
            ["convertedObjects"] = new JsonArray(objects),
        },
    };

    private static JsonObject Widget(string apiVersion, string name = "w", string uid = "u1") => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "ns", ["uid"] = uid, ["generation"] = 3, ["labels"] = new JsonObject { ["a"] = "1" } },
        ["spec"] = new JsonObject { ["color"] = "red" },
    };

    [Fact]
    public void ConvertedObjects_V1Answer_ChecksKindUidAndStatus()
    {
        Assert.Single(ConversionReviewResponse.ConvertedObjects(Answer("x", objects: Widget("g/v2")), "v1", "x").Objects!);
        Assert.Equal("expected response.uid=\"x\", got \"y\"", ConversionReviewResponse.ConvertedObjects(Answer("y"), "v1", "x").Error);
        Assert.Equal("expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got apiextensions.k8s.io/v1beta1, Kind=ConversionReview",
            ConversionReviewResponse.ConvertedObjects(Answer("x", apiVersion: "apiextensions.k8s.io/v1beta1"), "v1", "x").Error);
        Assert.Equal("response.result.status was 'Failure', not 'Success'", ConversionReviewResponse.ConvertedObjects(Answer("x", "Failure"), "v1", "x").Error);
        Assert.Equal("no response provided", ConversionReviewResponse.ConvertedObjects(new JsonObject { ["apiVersion"] = "apiextensions.k8s.io/v1", ["kind"] = "ConversionReview" }, "v1", "x").Error);
        // v1beta1 answers were never checked for kind or uid upstream.
        Assert.Null(ConversionReviewResponse.ConvertedObjects(Answer("other", apiVersion: "apiextensions.k8s.io/v1beta1"), "v1beta1", "x").Error);
    }

    [Fact]
    public void Check_ConvertedObject_OnlyLabelsAndAnnotationsMayChange()
    {
        var original = Widget("g/v1");
        var converted = Widget("g/v2");
        converted["metadata"]!["labels"] = new JsonObject { ["b"] = "2" };
        converted["metadata"]!["generation"] = 99;

        Assert.Null(ConversionReviewResponse.Check(original, converted, "g/v2", out var restored));
        Assert.Equal("2", restored!["metadata"]!["labels"]!["b"]!.GetValue<string>());
        Assert.Null(restored["metadata"]!["labels"]!["a"]);
        Assert.Equal(3, restored["metadata"]!["generation"]!.GetValue<int>());

        Assert.Equal("invalid groupVersion (expected g/v2, received g/v1)", ConversionReviewResponse.Check(original, Widget("g/v1"), "g/v2", out _));
        Assert.Equal("must have the same name: w != x", ConversionReviewResponse.Check(original, Widget("g/v2", name: "x"), "g/v2", out _));
        Assert.Equal("must have the same UID: u1 != u2", ConversionReviewResponse.Check(original, Widget("g/v2", uid: "u2"), "g/v2", out _));
        var unlabelled = Widget("g/v2");
        unlabelled["metadata"]!["labels"]!["n"] = 1;
        Assert.Equal("metadata.labels[n] must be a string in converted object", ConversionReviewResponse.Check(original, unlabelled, "g/v2", out _));
    }

    [Fact]
    public void DefaultWarning_NamesMostPreferredNewerServedVersion()
    {
        JsonObject V(string name, bool deprecated = false, bool served = true) => new() { ["name"] = name, ["served"] = served, ["deprecated"] = deprecated };
        var versions = new[] { V("v1alpha1", deprecated: true), V("v1beta1", deprecated: true), V("v1beta2"), V("v1"), V("v2", served: false) };

        Assert.Equal("g.io/v1beta1 W is deprecated; use g.io/v1 W", CustomResourceDeprecation.DefaultWarning("g.io", "W", "v1beta1", versions));
        Assert.Equal("g.io/v1 W is deprecated", CustomResourceDeprecation.DefaultWarning("g.io", "W", "v1", [V("v1", deprecated: true), V("v1beta1")]));
        Assert.True(CustomResourceDeprecation.Compare("v2", "v1") > 0);
        Assert.True(CustomResourceDeprecation.Compare("v1", "v2beta1") > 0);
        Assert.True(CustomResourceDeprecation.Compare("v1beta2", "v1beta1") > 0);
        Assert.True(CustomResourceDeprecation.Compare("v1alpha1", "v1beta1") < 0);
        Assert.True(CustomResourceDeprecation.Compare("foo", "v1alpha1") < 0);
    }
}

using System.Reflection;
using System.Text.Json.Serialization;
using k8s.Models;
using Timonel.Api.Patch;
using Xunit;

namespace Timonel.Api.Tests.Patch;

public class PatchMetadataTests
{
    [Fact]
    public void All_EveryEntry_NamesARealPropertyOfItsModel()
    {
        foreach (var (model, property, strategy) in PatchMetadata.All)
        {
            var names = model.GetProperties().Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name);
            Assert.True(names.Contains(property), $"{model.Name} has no property \"{property}\"");
            Assert.True(strategy.Merges || strategy.Strategy is "retainKeys" or "replace", $"{model.Name}.{property}: {strategy.Strategy}");
        }
    }

    [Theory]
    [InlineData(typeof(V1PodSpec), "containers", "name", "merge")]
    [InlineData(typeof(V1PodSpec), "volumes", "name", "merge,retainKeys")]
    [InlineData(typeof(V1Container), "ports", "containerPort", "merge")]
    [InlineData(typeof(V1Container), "volumeMounts", "mountPath", "merge")]
    [InlineData(typeof(V1ServiceSpec), "ports", "port", "merge")]
    [InlineData(typeof(V1ObjectMeta), "ownerReferences", "uid", "merge")]
    [InlineData(typeof(V1ObjectMeta), "finalizers", null, "merge")]
    [InlineData(typeof(V1DeploymentSpec), "strategy", null, "retainKeys")]
    [InlineData(typeof(V1NodeStatus), "addresses", "type", "merge")]
    public void For_TaggedField_ReturnsUpstreamTag(Type model, string property, string? mergeKey, string strategy) =>
        Assert.Equal(new PatchStrategy(mergeKey, strategy), PatchMetadata.For(model, property));

    [Theory]
    [InlineData(typeof(V1PodSpec), "tolerations")]
    [InlineData(typeof(V1PodSpec), "readinessGates")]
    [InlineData(typeof(V1Container), "args")]
    [InlineData(typeof(V1Pod), "containers")]
    public void For_UntaggedField_ReturnsNull(Type model, string property) =>
        Assert.Null(PatchMetadata.For(model, property));

    [Fact]
    public void ModelSchema_WalksModelsListsAndMaps()
    {
        var spec = ModelSchema.Member(typeof(V1Deployment), "spec");
        Assert.Equal(typeof(V1DeploymentSpec), spec);
        var podSpec = ModelSchema.Member(ModelSchema.Member(spec, "template"), "spec");
        Assert.Equal(typeof(V1PodSpec), podSpec);
        Assert.Equal(typeof(V1Container), ModelSchema.ItemType(ModelSchema.Member(podSpec, "containers")));
        Assert.Equal(typeof(string), ModelSchema.Member(ModelSchema.Member(typeof(V1ObjectMeta), "labels"), "any-key"));
        Assert.Null(ModelSchema.Member(typeof(V1PodSpec), "noSuchField"));
        Assert.Null(ModelSchema.ItemType(typeof(string)));
    }
}

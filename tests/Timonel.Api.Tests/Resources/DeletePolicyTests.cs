using System.Text.Json.Nodes;
using Timonel.Registry.Resources;
using Xunit;

namespace Timonel.Api.Tests.Resources;

public class DeletePolicyTests
{
    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void BuiltIn_DeletePolicies_AreWherePodsAndNamespacesNeedThem()
    {
        Assert.Same(DeletePolicy.GracefulPod, ResourceCatalog.Default.Find("", "v1", "pods")!.Definition.Deletion);
        Assert.Same(DeletePolicy.FinalizedNamespace, ResourceCatalog.Default.Find("", "v1", "namespaces")!.Definition.Deletion);
        // A CRD's deletion first empties its objects (the customresourcecleanup finalizer).
        Assert.IsType<Timonel.Registry.CustomResources.CustomResourceCleanupPolicy>(ResourceCatalog.Default.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!.Definition.Deletion);
        Assert.All(ResourceCatalog.Default.Definitions.Where(d => d.Plural is not ("pods" or "namespaces" or "customresourcedefinitions")), d => Assert.Same(DeletePolicy.Immediate, d.Deletion));
    }

    [Theory]
    [InlineData("""{"spec":{"nodeName":"n1"}}""", null, 30)]
    [InlineData("""{"spec":{"nodeName":"n1","terminationGracePeriodSeconds":5}}""", null, 5)]
    [InlineData("""{"spec":{"nodeName":"n1","terminationGracePeriodSeconds":5}}""", 2L, 2)]
    [InlineData("""{"spec":{}}""", 10L, 0)]
    [InlineData("""{"spec":{"nodeName":"n1"},"status":{"phase":"Succeeded"}}""", null, 0)]
    public void GracefulPod_GracePeriod_OnlyForBoundUnfinishedPods(string pod, long? requested, long expected)
    {
        Assert.Equal(expected, DeletePolicy.GracefulPod.GracePeriod(Parse(pod), requested));
        Assert.Equal(0, DeletePolicy.Immediate.GracePeriod(Parse(pod), requested));
    }

    [Fact]
    public void IsDeleteComplete_FollowsEachPolicy()
    {
        var graceRunning = Parse("""{"metadata":{"deletionGracePeriodSeconds":30}}""");
        var graceOver = Parse("""{"metadata":{"deletionGracePeriodSeconds":0}}""");
        var nsHeld = Parse("""{"metadata":{"deletionGracePeriodSeconds":0},"spec":{"finalizers":["kubernetes"]}}""");

        Assert.True(DeletePolicy.Immediate.IsDeleteComplete(graceRunning));
        Assert.False(DeletePolicy.GracefulPod.IsDeleteComplete(graceRunning));
        Assert.True(DeletePolicy.GracefulPod.IsDeleteComplete(graceOver));
        Assert.False(DeletePolicy.FinalizedNamespace.IsDeleteComplete(nsHeld));
        Assert.True(DeletePolicy.FinalizedNamespace.IsDeleteComplete(graceOver));
    }

    [Fact]
    public void FinalizedNamespace_BeginDelete_TurnsTerminatingOnce()
    {
        var ns = Parse("""{"status":{"phase":"Active"}}""");

        Assert.True(DeletePolicy.FinalizedNamespace.BeginDelete(ns));
        Assert.Equal("Terminating", ns["status"]!["phase"]!.GetValue<string>());
        Assert.False(DeletePolicy.FinalizedNamespace.BeginDelete(ns));
        Assert.False(DeletePolicy.Immediate.BeginDelete(Parse("""{"status":{"phase":"Active"}}""")));
    }
}

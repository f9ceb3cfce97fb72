using System.Text.Json.Nodes;
using Timonel.Api.Discovery;
using Timonel.Api.Resources;
using Xunit;

namespace Timonel.Api.Tests.Discovery;

public sealed class DiscoveryDocumentsTests
{
    private static readonly DiscoveryDocuments Docs = new(ResourceCatalog.Default);

    [Fact]
    public void Find_AggregatedV2Accepted_ReturnsAggregatedContentType()
    {
        var (type, body) = Docs.Find("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")!.Value;

        Assert.Equal(DiscoveryDocuments.AggregatedV2, type);
        var groups = JsonNode.Parse(body)!["items"]!.AsArray().Select(g => g!["metadata"]!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("apps", groups);
        Assert.DoesNotContain("", groups);
    }

    [Fact]
    public void Find_OnlyV2Beta1Accepted_ReturnsV2Beta1()
    {
        var (type, _) = Docs.Find("/api", "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")!.Value;

        Assert.Equal(DiscoveryDocuments.AggregatedV2Beta1, type);
    }

    [Fact]
    public void Find_PlainJson_ReturnsLegacyResourceListWithSubresources()
    {
        var (type, body) = Docs.Find("/apis/apps/v1", "application/json")!.Value;

        Assert.Equal("application/json", type);
        var resources = JsonNode.Parse(body)!["resources"]!.AsArray();
        var deployments = resources.Single(r => r!["name"]!.GetValue<string>() == "deployments")!;
        Assert.Equal("deploy", deployments["shortNames"]![0]!.GetValue<string>());
        var scale = resources.Single(r => r!["name"]!.GetValue<string>() == "deployments/scale")!;
        Assert.Equal("autoscaling", scale["group"]!.GetValue<string>());
        Assert.Equal("Scale", scale["kind"]!.GetValue<string>());
    }

    [Fact]
    public void Find_UnknownPath_ReturnsNull() => Assert.Null(Docs.Find("/apis/example.com/v1", "application/json"));
}

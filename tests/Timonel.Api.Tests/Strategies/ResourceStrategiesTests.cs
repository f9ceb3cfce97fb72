using Timonel.Registry.Resources;
using Timonel.Registry.Strategies;
using Xunit;

namespace Timonel.Api.Tests.Strategies;

public class ResourceStrategiesTests
{
    public static TheoryData<string, string> CatalogKinds()
    {
        var data = new TheoryData<string, string>();
        foreach (var r in ResourceCatalog.Default.Primary)
        {
            data.Add(r.Group, r.Kind);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CatalogKinds))]
    public void For_EveryCatalogResource_AgreesOnScopeAndStatus(string group, string kind)
    {
        var resource = ResourceCatalog.Default.FindByKind(group, kind)!;
        var strategy = Assert.IsAssignableFrom<ResourceStrategy>(ResourceStrategies.For(resource));
        Assert.Equal(resource.Namespaced, strategy.Namespaced);
        Assert.Equal(resource.HasStatus, strategy.HasStatus);
    }

    [Fact]
    public void For_Pods_PodStrategy() =>
        Assert.IsType<PodStrategy>(ResourceStrategies.For(ResourceCatalog.Default.FindByKind("", "Pod")!));
}

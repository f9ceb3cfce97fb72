using k8s.Models;
using Timonel.Controllers.Dynamic;
using Timonel.Registry.CustomResources;
using Timonel.Registry.Resources;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.Dynamic;

/// <summary>Aggregated discovery as the namespace controller and the garbage collector read it, against a live server.</summary>
public sealed class ApiDiscoveryTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private ControllerHarness _harness = null!;
    private CustomResourceKubectl _kubectl = null!;
    private ApiDiscovery _discovery = null!;

    public async Task InitializeAsync()
    {
        _harness = await ControllerHarness.StartAsync(null);
        _kubectl = new CustomResourceKubectl(_harness);
        _discovery = new ApiDiscovery(new DynamicClient(_harness.Client), ResourceCatalog.Default);
    }

    public async Task DisposeAsync()
    {
        _kubectl.Dispose();
        await _harness.DisposeAsync();
    }

    [Fact]
    public async Task DiscoverAsync_BuiltIns_AreTheCatalogsTypedEntriesWithoutSubresources()
    {
        var result = await _discovery.DiscoverAsync(CancellationToken.None);

        Assert.Empty(result.Failures);
        var pods = Assert.Single(result.Resources, r => r.Resource.Group == "" && r.Resource.Plural == "pods");
        Assert.Same(ResourceCatalog.Default.Find("", "v1", "pods"), pods.Resource);
        Assert.Equal(typeof(V1Pod), pods.Resource.ModelType);
        Assert.True(pods.Supports("list", "watch", "delete"));
        Assert.DoesNotContain(result.Resources, r => r.Resource.Plural.Contains('/', StringComparison.Ordinal));
        // Create-only resources are listed with their verbs, so callers can leave them out.
        Assert.Contains(result.Resources, r => r.Resource.Plural == "bindings" && !r.Supports("delete"));
        // One version per resource, as ServerPreferredResources.
        Assert.Single(result.Resources, r => r.Resource.Group == "autoscaling" && r.Resource.Plural == "horizontalpodautoscalers");
    }

    [Fact]
    public async Task DiscoverAsync_CrdAddedThenDeleted_ResourceAppearsUntypedThenGoes()
    {
        var before = await _discovery.DiscoverAsync(CancellationToken.None);
        Assert.Null(before.FindByKind("disc.example.com", "Widget"));

        await _kubectl.InstallWidgetsAsync("disc.example.com");

        var after = await _discovery.DiscoverAsync(CancellationToken.None);
        var widgets = after.FindByKind("disc.example.com", "Widget");
        Assert.NotNull(widgets);
        Assert.Equal(("widgets", "v1", true), (widgets.Plural, widgets.Version, widgets.Namespaced));
        Assert.Equal(typeof(CustomResourceObject), widgets.ModelType);
        // The same resource while discovery describes it the same way (the collector keys its monitors on it).
        Assert.Same(widgets, (await _discovery.DiscoverAsync(CancellationToken.None)).FindByKind("disc.example.com", "Widget"));

        await _kubectl.OkAsync("delete", "crd", "widgets.disc.example.com", "--timeout=30s");

        await Eventually.WaitAsync(
            async ct => (await _discovery.DiscoverAsync(ct)).FindByKind("disc.example.com", "Widget") is null,
            Patience,
            "discovery to drop the widgets");
    }

    [Fact]
    public void DiscoveryResult_FailedGroupVersion_GroupIsNotComplete()
    {
        var result = new DiscoveryResult([], ["metrics.k8s.io/v1beta1"]);

        Assert.False(result.IsComplete("metrics.k8s.io"));
        Assert.True(result.IsComplete("apps"));
        Assert.True(result.IsComplete(""));
    }
}

using k8s.Models;
using Timonel.Registry.Resources;
using Xunit;

namespace Timonel.Api.Tests.Resources;

public class ResourceCatalogTests
{
    private static ResourceDefinition Widgets() => new("example.timonel.dev", "v1", "Widget", "widgets", namespaced: true, typeof(V1ConfigMap));

    [Fact]
    public void Add_NewDefinition_IsFoundBumpsRevisionAndRaisesChanged()
    {
        var catalog = ResourceCatalog.CreateBuiltIn();
        var seen = new List<ResourceCatalogChangedEventArgs>();
        catalog.Changed += (_, e) => seen.Add(e);
        Assert.Null(catalog.Find("example.timonel.dev", "v1", "widgets"));

        catalog.Add(Widgets());

        var found = catalog.Find("example.timonel.dev", "v1", "widgets");
        Assert.NotNull(found);
        Assert.Equal("Widget", found.Kind);
        Assert.Same(found, catalog.FindByKind("example.timonel.dev", "Widget"));
        Assert.Equal(1, catalog.Revision);
        var change = Assert.Single(seen);
        Assert.True(change.Added);
        Assert.Equal(1, change.Revision);
        Assert.Contains(("example.timonel.dev", "v1"), catalog.GroupVersions);
    }

    [Fact]
    public void Remove_AddedDefinition_LeavesNoTrace()
    {
        var catalog = ResourceCatalog.CreateBuiltIn();
        var before = catalog.All.Count;
        catalog.Add(Widgets());
        var seen = new List<ResourceCatalogChangedEventArgs>();
        catalog.Changed += (_, e) => seen.Add(e);

        Assert.True(catalog.Remove("example.timonel.dev", "widgets"));

        Assert.Null(catalog.Find("example.timonel.dev", "v1", "widgets"));
        Assert.DoesNotContain(("example.timonel.dev", "v1"), catalog.GroupVersions);
        Assert.Equal(before, catalog.All.Count);
        Assert.False(Assert.Single(seen).Added);
        Assert.False(catalog.Remove("example.timonel.dev", "widgets"));
        Assert.Single(seen);
    }

    [Fact]
    public void Add_TakenPluralOrKind_ThrowsAndChangesNothing()
    {
        var catalog = ResourceCatalog.CreateBuiltIn();

        Assert.Throws<ArgumentException>(() => catalog.Add(new ResourceDefinition("", "v1", "Pod", "pods", true, typeof(V1Pod))));
        Assert.Throws<ArgumentException>(() => catalog.Add(new ResourceDefinition("apps", "v1", "Deployment", "deploys", true, typeof(V1Deployment))));

        Assert.Equal(0, catalog.Revision);
        Assert.Equal(ResourceCatalog.Default.All.Count, catalog.All.Count);
    }

    [Fact]
    public void Default_Add_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => ResourceCatalog.Default.Add(Widgets()));
        Assert.Throws<InvalidOperationException>(() => ResourceCatalog.Default.Remove("", "pods"));

        Assert.NotNull(ResourceCatalog.Default.Find("", "v1", "pods"));
    }

    [Fact]
    public void Snapshot_TakenBeforeAChange_DoesNotChange()
    {
        var catalog = ResourceCatalog.CreateBuiltIn();
        var snapshot = catalog.All;

        catalog.Add(Widgets());

        Assert.DoesNotContain(snapshot, r => r.Plural == "widgets");
        Assert.Contains(catalog.All, r => r.Plural == "widgets");
    }

    [Fact]
    public void Definition_MultipleVersions_ServesEachServedVersionAndStoresOne()
    {
        var d = new ResourceDefinition("example.timonel.dev", "Gizmo", "gizmos", false, typeof(V1ConfigMap),
            [new ResourceVersion("v1beta1", Served: true, Storage: false), new ResourceVersion("v1", Served: true, Storage: true), new ResourceVersion("v1alpha1", Served: false, Storage: false)]);

        Assert.Equal("v1", d.StorageVersion);
        Assert.Equal(["v1beta1", "v1"], d.Served.Select(r => r.Version));
        Assert.Equal("/registry/example.timonel.dev/gizmos/", d.Served[0].KeyPrefix);
        Assert.Throws<ArgumentException>(() => new ResourceDefinition("g", "K", "ks", false, typeof(V1ConfigMap), [new ResourceVersion("v1", true, false)]));
    }

    [Theory]
    [InlineData("", "nodes", "/registry/minions/")]
    [InlineData("", "services", "/registry/services/specs/")]
    [InlineData("", "pods", "/registry/pods/")]
    [InlineData("apps", "deployments", "/registry/deployments/")]
    [InlineData("networking.k8s.io", "ingresses", "/registry/ingress/")]
    [InlineData("events.k8s.io", "events", "/registry/events.k8s.io/events/")]
    public void BuiltIn_StoragePrefix_KeepsTheExistingLayout(string group, string plural, string prefix)
    {
        Assert.Equal(prefix, ResourceCatalog.Default.Definitions.Single(d => d.Group == group && d.Plural == plural).StoragePrefix);
    }

    [Fact]
    public void Stored_BuiltIns_LeavesOutTheResourcesThatAreNeverStored()
    {
        var notStored = ResourceCatalog.Default.All.Except(ResourceCatalog.Default.Stored).Select(r => r.GroupResource).Order(StringComparer.Ordinal);

        Assert.Equal(
            ["bindings", "componentstatuses", "localsubjectaccessreviews.authorization.k8s.io", "nodes.metrics.k8s.io", "pods.metrics.k8s.io", "selfsubjectaccessreviews.authorization.k8s.io", "selfsubjectreviews.authentication.k8s.io",
             "selfsubjectrulesreviews.authorization.k8s.io", "subjectaccessreviews.authorization.k8s.io", "tokenreviews.authentication.k8s.io"],
            notStored);
        Assert.All(ResourceCatalog.Default.Stored, r => Assert.Equal(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], r.Definition.Verbs));
    }
}
